using System.Text.RegularExpressions;

namespace DeployGuard.Scanning.Rules;

/// <summary>
/// The built-in rules' regexes compiled ahead of time by the regex source generator: no Reflection.Emit at start-up
/// (tens of milliseconds per regex before), full speed from the first file, and Native AOT ready. Each pattern is
/// the rule's <see cref="SecretRule.Pattern"/> verbatim; BuiltInRegexesTests fails when the two drift apart, and a
/// rule whose pattern differs (a custom rule reusing a built-in id) is compiled at run time instead.
/// </summary>
internal static partial class BuiltInRegexes
{
    private const RegexOptions Options = RegexOptions.CultureInvariant;
    private const int TimeoutMs = 5000;

    private static readonly Dictionary<string, Func<Regex>> ById = new(StringComparer.Ordinal)
    {
        ["aws-access-key-id"] = AwsAccessKeyId,
        ["aws-secret-access-key"] = AwsSecretAccessKey,
        ["aws-session-token"] = AwsSessionToken,
        ["aws-mws-key"] = AwsMwsKey,
        ["github-pat"] = GithubPat,
        ["github-fine-grained-pat"] = GithubFineGrainedPat,
        ["github-oauth-token"] = GithubOauthToken,
        ["github-app-token"] = GithubAppToken,
        ["github-refresh-token"] = GithubRefreshToken,
        ["gitlab-pat"] = GitlabPat,
        ["gitlab-pipeline-trigger-token"] = GitlabPipelineTriggerToken,
        ["gitlab-runner-token"] = GitlabRunnerToken,
        ["gitlab-deploy-token"] = GitlabDeployToken,
        ["slack-bot-token"] = SlackBotToken,
        ["slack-user-token"] = SlackUserToken,
        ["slack-app-token"] = SlackAppToken,
        ["slack-webhook-url"] = SlackWebhookUrl,
        ["stripe-secret-key"] = StripeSecretKey,
        ["stripe-test-key"] = StripeTestKey,
        ["stripe-webhook-secret"] = StripeWebhookSecret,
        ["google-api-key"] = GoogleApiKey,
        ["google-oauth-client-secret"] = GoogleOauthClientSecret,
        ["google-oauth-access-token"] = GoogleOauthAccessToken,
        ["firebase-cloud-messaging-key"] = FirebaseCloudMessagingKey,
        ["azure-storage-connection-string"] = AzureStorageConnectionString,
        ["azure-cosmosdb-connection-string"] = AzureCosmosdbConnectionString,
        ["azure-service-bus-connection-string"] = AzureServiceBusConnectionString,
        ["azure-storage-account-key"] = AzureStorageAccountKey,
        ["azure-sas-token"] = AzureSasToken,
        ["azure-ad-client-secret"] = AzureAdClientSecret,
        ["twilio-api-key"] = TwilioApiKey,
        ["twilio-auth-token"] = TwilioAuthToken,
        ["sendgrid-api-key"] = SendgridApiKey,
        ["mailgun-api-key"] = MailgunApiKey,
        ["mailgun-private-key"] = MailgunPrivateKey,
        ["mailchimp-api-key"] = MailchimpApiKey,
        ["telegram-bot-token"] = TelegramBotToken,
        ["discord-bot-token"] = DiscordBotToken,
        ["discord-webhook-url"] = DiscordWebhookUrl,
        ["npm-access-token"] = NpmAccessToken,
        ["pypi-upload-token"] = PypiUploadToken,
        ["nuget-api-key"] = NugetApiKey,
        ["dockerhub-pat"] = DockerhubPat,
        ["heroku-api-key"] = HerokuApiKey,
        ["heroku-api-key-v2"] = HerokuApiKeyV2,
        ["shopify-access-token"] = ShopifyAccessToken,
        ["shopify-custom-app-token"] = ShopifyCustomAppToken,
        ["shopify-private-app-token"] = ShopifyPrivateAppToken,
        ["shopify-shared-secret"] = ShopifySharedSecret,
        ["digitalocean-token"] = DigitaloceanToken,
        ["hashicorp-vault-token"] = HashicorpVaultToken,
        ["terraform-cloud-token"] = TerraformCloudToken,
        ["databricks-token"] = DatabricksToken,
        ["square-access-token"] = SquareAccessToken,
        ["square-oauth-secret"] = SquareOauthSecret,
        ["atlassian-api-token"] = AtlassianApiToken,
        ["linear-api-key"] = LinearApiKey,
        ["postman-api-key"] = PostmanApiKey,
        ["new-relic-user-key"] = NewRelicUserKey,
        ["sentry-auth-token"] = SentryAuthToken,
        ["grafana-service-account-token"] = GrafanaServiceAccountToken,
        ["pulumi-access-token"] = PulumiAccessToken,
        ["doppler-token"] = DopplerToken,
        ["age-secret-key"] = AgeSecretKey,
        ["alibaba-access-key-id"] = AlibabaAccessKeyId,
        ["openai-api-key"] = OpenaiApiKey,
        ["anthropic-api-key"] = AnthropicApiKey,
        ["openssh-private-key"] = OpensshPrivateKey,
        ["pgp-private-key"] = PgpPrivateKey,
        ["private-key"] = PrivateKey,
        ["putty-private-key"] = PuttyPrivateKey,
        ["jwt"] = Jwt,
        ["database-url-password"] = DatabaseUrlPassword,
        ["connection-string-password"] = ConnectionStringPassword,
        ["url-basic-auth"] = UrlBasicAuth,
        ["generic-password"] = GenericPassword,
        ["dotenv-secret"] = DotenvSecret,
        ["generic-api-key"] = GenericApiKey,
    };

    // The built-in allowlists' regexes, by pattern: the global path allowlist runs on every path of a directory scan,
    // where the interpreter (trying "(?:^|/)" at every position of the path) was a tenth of the scan's CPU.
    private static readonly Dictionary<string, Func<Regex>> ByAllowlistPattern = new(StringComparer.Ordinal)
    {
        [BaselinePath().ToString()] = BaselinePath,
        [LockFilePath().ToString()] = LockFilePath,
        [HashNameAssignment().ToString()] = HashNameAssignment,
    };

    /// <summary>The generated regex for a built-in allowlist pattern (verbatim), or null.</summary>
    public static Regex? ForAllowlist(string pattern) => ByAllowlistPattern.TryGetValue(pattern, out var create) ? create() : null;

    internal static IReadOnlyDictionary<string, Func<Regex>> AllowlistPatterns => ByAllowlistPattern;

    /// <summary>The generated regex for a built-in rule, or null when the rule is not built in or its pattern changed.</summary>
    public static Regex? For(SecretRule rule) =>
        ById.TryGetValue(rule.Id, out var create) && create() is { } regex && regex.ToString() == rule.Pattern ? regex : null;

    /// <summary>Every generated regex by rule id (for the test that keeps them equal to the rules).</summary>
    internal static IReadOnlyDictionary<string, Func<Regex>> All => ById;

    [GeneratedRegex("""(?<![A-Za-z0-9])(?<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])""", Options, TimeoutMs)]
    private static partial Regex AwsAccessKeyId();

    [GeneratedRegex("""(?i)(?:aws[\w.\-]{0,30}?(?:secret|private)|secret_?access_?key)[\w.\-]{0,30}?["']?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}["'`]?(?<secret>(?-i:[A-Za-z0-9/+]{40}))(?![A-Za-z0-9/+=])""", Options, TimeoutMs)]
    private static partial Regex AwsSecretAccessKey();

    [GeneratedRegex("""(?i)aws[\w.\-]{0,30}?(?:session|security)[\w.\-]{0,20}?token[\w.\-]{0,30}?["']?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}["'`]?(?<secret>(?-i:[A-Za-z0-9/+]{100,2000}={0,2}))(?![A-Za-z0-9/+=])""", Options, TimeoutMs)]
    private static partial Regex AwsSessionToken();

    [GeneratedRegex("""(?<secret>amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9a-f])""", Options, TimeoutMs)]
    private static partial Regex AwsMwsKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>ghp_[A-Za-z0-9]{36})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GithubPat();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GithubFineGrainedPat();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>gho_[A-Za-z0-9]{36})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GithubOauthToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>gh[us]_[A-Za-z0-9]{36})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GithubAppToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>ghr_[A-Za-z0-9]{36,76})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GithubRefreshToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>glpat-[A-Za-z0-9_\-]{20,64}(?:\.[0-9a-z]{2}\.[0-9a-z]{7,9})?)(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GitlabPat();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>glptt-[0-9a-f]{40})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GitlabPipelineTriggerToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>(?:GR1348941[A-Za-z0-9_\-]{20}|glrt-[A-Za-z0-9_\-]{20,64}))(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GitlabRunnerToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>gldt-[A-Za-z0-9_\-]{20,64})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GitlabDeployToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex SlackBotToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>xox[pe](?:-[0-9]{10,13}){3}-[A-Za-z0-9]{28,34})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex SlackUserToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>xapp-\d-[A-Z0-9]{9,12}-\d{10,14}-[a-f0-9]{64})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex SlackAppToken();

    [GeneratedRegex("""(?<secret>https://hooks\.slack\.com/(?:services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24}|workflows/T[A-Z0-9]{8,12}/A[A-Z0-9]{8,12}/[0-9]{17,19}/[A-Za-z0-9]{32}))(?![A-Za-z0-9])""", Options, TimeoutMs)]
    private static partial Regex SlackWebhookUrl();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>[sr]k_live_[A-Za-z0-9]{24,247})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex StripeSecretKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>[sr]k_test_[A-Za-z0-9]{24,247})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex StripeTestKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>whsec_[A-Za-z0-9]{32,64})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex StripeWebhookSecret();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>AIza[0-9A-Za-z_\-]{35})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GoogleApiKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>GOCSPX-[A-Za-z0-9_\-]{28})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GoogleOauthClientSecret();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>ya29\.[0-9A-Za-z_\-]{30,512})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GoogleOauthAccessToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>AAAA[A-Za-z0-9_\-]{7}:APA91b[A-Za-z0-9_\-]{134})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex FirebaseCloudMessagingKey();

    [GeneratedRegex("""(?i)DefaultEndpointsProtocol=https?;(?:[^;"'\s]{1,200};){0,4}?AccountKey=(?<secret>(?-i:[A-Za-z0-9+/]{86}==))""", Options, TimeoutMs)]
    private static partial Regex AzureStorageConnectionString();

    [GeneratedRegex("""(?i)AccountEndpoint=https://[^;"'\s]{1,200};AccountKey=(?<secret>(?-i:[A-Za-z0-9+/]{86}==))""", Options, TimeoutMs)]
    private static partial Regex AzureCosmosdbConnectionString();

    [GeneratedRegex("""(?i)Endpoint=sb://[^;"'\s]{1,200};SharedAccessKeyName=[^;"'\s]{1,200};SharedAccessKey=(?<secret>(?-i:[A-Za-z0-9+/]{43}=))""", Options, TimeoutMs)]
    private static partial Regex AzureServiceBusConnectionString();

    [GeneratedRegex("""(?i)(?:account_?key|storage[\w.\-]{0,20}?key)[\w.\-]{0,30}?["']?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}["'`]?(?<secret>(?-i:[A-Za-z0-9+/]{86}==))""", Options, TimeoutMs)]
    private static partial Regex AzureStorageAccountKey();

    [GeneratedRegex("""(?i)\bsv=\d{4}-\d{2}-\d{2}[^\s"'<>]{0,300}?[?&]sig=(?<secret>[A-Za-z0-9%/+]{40,64}(?:%3D|=)?)""", Options, TimeoutMs)]
    private static partial Regex AzureSasToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_~.\-])(?<secret>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?![A-Za-z0-9_~.\-])""", Options, TimeoutMs)]
    private static partial Regex AzureAdClientSecret();

    [GeneratedRegex("""(?<![A-Za-z0-9])(?<secret>SK[0-9a-f]{32})(?![A-Za-z0-9])""", Options, TimeoutMs)]
    private static partial Regex TwilioApiKey();

    [GeneratedRegex("""(?i)twilio[\w.\-]{0,20}?(?:auth|token|secret)[\w.\-]{0,30}?["']?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}["'`]?(?<secret>(?-i:[0-9a-f]{32}))(?![0-9A-Za-z])""", Options, TimeoutMs)]
    private static partial Regex TwilioAuthToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex SendgridApiKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>key-[0-9a-f]{32})(?![A-Za-z0-9])""", Options, TimeoutMs)]
    private static partial Regex MailgunApiKey();

    [GeneratedRegex("""(?i)mailgun[\w.\-]{0,30}?["']?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}["'`]?(?<secret>(?-i:[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}))(?![0-9A-Za-z])""", Options, TimeoutMs)]
    private static partial Regex MailgunPrivateKey();

    [GeneratedRegex("""(?<![0-9A-Za-z])(?<secret>[0-9a-f]{32}-us[0-9]{1,2})(?![0-9A-Za-z])""", Options, TimeoutMs)]
    private static partial Regex MailchimpApiKey();

    [GeneratedRegex("""(?<![0-9])(?<secret>[0-9]{8,10}:AA[0-9A-Za-z_\-]{33})(?![0-9A-Za-z_\-])""", Options, TimeoutMs)]
    private static partial Regex TelegramBotToken();

    [GeneratedRegex("""(?i)discord[\w.\-]{0,30}?["']?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}["'`]?(?<secret>(?-i:[MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38}))(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex DiscordBotToken();

    [GeneratedRegex("""(?<secret>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\-]{60,68})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex DiscordWebhookUrl();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex NpmAccessToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,1000})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex PypiUploadToken();

    [GeneratedRegex("""(?<![A-Za-z0-9])(?<secret>oy2[a-z0-9]{43})(?![A-Za-z0-9])""", Options, TimeoutMs)]
    private static partial Regex NugetApiKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,32})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex DockerhubPat();

    [GeneratedRegex("""(?i)heroku[\w.\-]{0,30}?["']?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}["'`]?(?<secret>(?-i:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))(?![0-9A-Za-z])""", Options, TimeoutMs)]
    private static partial Regex HerokuApiKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>HRKU-AA[0-9A-Za-z_\-]{58})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex HerokuApiKeyV2();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>shpat_[a-fA-F0-9]{32})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex ShopifyAccessToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>shpca_[a-fA-F0-9]{32})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex ShopifyCustomAppToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>shppa_[a-fA-F0-9]{32})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex ShopifyPrivateAppToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>shpss_[a-fA-F0-9]{32})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex ShopifySharedSecret();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>do[por]_v1_[a-f0-9]{64})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex DigitaloceanToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>hv[sb]\.[A-Za-z0-9_\-]{90,120})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex HashicorpVaultToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,70})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex TerraformCloudToken();

    [GeneratedRegex("""(?<![A-Za-z0-9])(?<secret>dapi[a-f0-9]{32}(?:-[0-9])?)(?![A-Za-z0-9])""", Options, TimeoutMs)]
    private static partial Regex DatabricksToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>(?:EAAA[A-Za-z0-9_\-]{60}|sq0atp-[A-Za-z0-9_\-]{22}))(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex SquareAccessToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>sq0csp-[A-Za-z0-9_\-]{43})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex SquareOauthSecret();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>ATATT3[A-Za-z0-9_\-=]{186})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex AtlassianApiToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>lin_api_[A-Za-z0-9]{40})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex LinearApiKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>PMAK-[a-f0-9]{24}-[a-f0-9]{34})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex PostmanApiKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>NRAK-[A-Z0-9]{27})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex NewRelicUserKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>(?:sntryu_[a-f0-9]{64}|sntrys_eyJ[A-Za-z0-9+/=_\-]{60,400}_[A-Za-z0-9+/]{43}))(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex SentryAuthToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex GrafanaServiceAccountToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>pul-[a-f0-9]{40})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex PulumiAccessToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex DopplerToken();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex AgeSecretKey();

    [GeneratedRegex("""(?<![A-Za-z0-9])(?<secret>LTAI[A-Za-z0-9]{20})(?![A-Za-z0-9])""", Options, TimeoutMs)]
    private static partial Regex AlibabaAccessKeyId();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,74}T3BlbkFJ[A-Za-z0-9_\-]{20,74})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex OpenaiApiKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>sk-ant-(?:api03|admin01)-[A-Za-z0-9_\-]{93}AA)(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex AnthropicApiKey();

    [GeneratedRegex("""(?<secret>-----BEGIN OPENSSH PRIVATE KEY-----[A-Za-z0-9+/=\s\\]{64,16384}?-----END OPENSSH PRIVATE KEY-----)""", Options, TimeoutMs)]
    private static partial Regex OpensshPrivateKey();

    [GeneratedRegex("""(?<secret>-----BEGIN PGP PRIVATE KEY BLOCK-----[A-Za-z0-9+/=\s\\:.,()\-]{64,65536}?-----END PGP PRIVATE KEY BLOCK-----)""", Options, TimeoutMs)]
    private static partial Regex PgpPrivateKey();

    [GeneratedRegex("""(?<secret>-----BEGIN[ A-Z0-9_\-]{0,40}PRIVATE KEY-----[A-Za-z0-9+/=\s\\:,\-]{64,16384}?-----END[ A-Z0-9_\-]{0,40}PRIVATE KEY-----)""", Options, TimeoutMs)]
    private static partial Regex PrivateKey();

    [GeneratedRegex("""PuTTY-User-Key-File-[23]: [^\r\n]{1,100}\r?\n(?:[A-Za-z\-]{1,40}: [^\r\n]{0,200}\r?\n(?:[A-Za-z0-9+/=]{1,64}\r?\n){0,40}){0,6}?Private-Lines: [0-9]{1,3}\r?\n(?<secret>(?:[A-Za-z0-9+/=]{1,64}\r?\n){1,40})""", Options, TimeoutMs)]
    private static partial Regex PuttyPrivateKey();

    [GeneratedRegex("""(?<![A-Za-z0-9_\-])(?<secret>eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})(?![A-Za-z0-9_\-])""", Options, TimeoutMs)]
    private static partial Regex Jwt();

    [GeneratedRegex("""(?:^|/)\.deployguard-baseline\.json$""", Options, TimeoutMs)]
    private static partial Regex BaselinePath();

    [GeneratedRegex("""(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.sum|Cargo\.lock|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|packages\.lock\.json|gradle\.lockfile)$""", Options, TimeoutMs)]
    private static partial Regex LockFilePath();

    [GeneratedRegex("""(?i)(?:hash|checksum|digest|sha(?:1|256|512)|integrity|fingerprint)[\w.\-]{0,20}["']?[ \t]{0,5}(?:=|:)""", Options, TimeoutMs)]
    private static partial Regex HashNameAssignment();

    [GeneratedRegex("""(?i)(?<![A-Za-z0-9+])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb|clickhouse|couchdb|neo4j(?:\+s)?|oracle)(?:\+[a-z0-9]+)?://[^:/\s@"'`]{1,64}:(?<secret>[^@/\s"'`]{3,128})@[^\s"'`/]{1,255}""", Options, TimeoutMs)]
    private static partial Regex DatabaseUrlPassword();

    [GeneratedRegex("""(?i)(?:Server|Data Source|Host|Address|Addr|Network Address)\s*=\s*[^;"'\r\n]{1,200};[^"'\r\n]{0,300}?(?:Password|Pwd)\s*=\s*(?<secret>[^;"'\s]{3,128})""", Options, TimeoutMs)]
    private static partial Regex ConnectionStringPassword();

    [GeneratedRegex("""(?i)(?<![A-Za-z0-9+])(?:https?|ftps?|sftp|ssh|git|ldaps?|smtps?)://[^:/\s@"'`]{1,64}:(?<secret>[^@/\s"'`]{3,128})@[A-Za-z0-9][A-Za-z0-9.\-]{0,254}""", Options, TimeoutMs)]
    private static partial Regex UrlBasicAuth();

    [GeneratedRegex("""(?i)(?<!\$\{\w{0,60})(?:password|passwd|passphrase|passwort|pwd)[\w.\-]{0,20}?["']?[ \t]{0,5}(?:=|:|=>|:=|==)[ \t]{0,5}["'`]?(?<secret>[^"'`\s\\,;)(\[\]{}<>]{6,128})["'`]?(?=["'`\s,;)}\]]|$)""", Options, TimeoutMs)]
    private static partial Regex GenericPassword();

    [GeneratedRegex("""(?m)^[ \t]*(?:export[ \t]+)?[A-Z0-9_]*(?:PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|AUTH_KEY)[A-Z0-9_]*[ \t]*=[ \t]*["']?(?<secret>[^\s"'#]{8,256})["']?[ \t]*(?:#[^\r\n]*)?\r?$""", Options, TimeoutMs)]
    private static partial Regex DotenvSecret();

    [GeneratedRegex("""(?i)(?<!\$\{\w{0,60})(?:api[_.\-]?key|apikey|api[_.\-]?secret|secret[_.\-]?key|client[_.\-]?secret|access[_.\-]?token|auth[_.\-]?token|app[_.\-]?secret|private[_.\-]?token|secret|token)[\w.\-]{0,20}?["']?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}["'`]?(?<secret>[A-Za-z0-9_\-+/=.~]{16,256})["'`]?(?=["'`\s,;)}\]]|$)""", Options, TimeoutMs)]
    private static partial Regex GenericApiKey();
}
