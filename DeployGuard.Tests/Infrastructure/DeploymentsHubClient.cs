using System.Net;
using Microsoft.AspNetCore.SignalR.Client;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>The official SignalR client on /hubs/deployments, signed in with the cookies of a real login.</summary>
public static class DeploymentsHubClient
{
    public static HubConnection Create(string baseUrl, CookieContainer? cookies) =>
        new HubConnectionBuilder()
            .WithUrl(baseUrl + "/hubs/deployments", options =>
            {
                if (cookies is not null)
                {
                    options.Cookies = cookies;
                }
            })
            .Build();
}
