using System.Net;
using System.Text;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Web.Endpoints;

/// <summary>Anonymous CLI feedback is limited per client address (ScanningSetup's policy on the app's rate limiter).</summary>
public sealed class FeedbackRateLimitTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task PostFeedback_MoreThanSixtyInAMinute_AreRefusedWith429()
    {
        var client = app.NewClient();
        var accepted = 0;
        HttpStatusCode? refused = null;
        // Until the first refusal; a window that happens to end meanwhile only lets another 60 through.
        while (refused is null && accepted <= 120)
        {
            // An empty body: the endpoint answers 400, but every request counts against the window.
            var response = await client.PostAsync("/api/feedback", new StringContent("", Encoding.UTF8, "application/json"));
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                accepted++;
            }
            else
            {
                refused = response.StatusCode;
            }
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, refused);
        Assert.True(accepted >= 60, $"refused after {accepted} requests");
    }
}
