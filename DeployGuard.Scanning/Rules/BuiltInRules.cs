namespace DeployGuard.Scanning.Rules;

/// <summary>
/// Built-in rules, written from the providers' documented token formats. Order is priority: specific
/// prefixed tokens first, then connection strings and URLs, then key blocks, then the generic
/// assignment rules, so that a GitHub token assigned to <c>API_KEY</c> is reported as a GitHub token.
/// </summary>
public static class BuiltInRules
{
    // "name" [quote] <sep> [quote] between a key name and its value, in code, YAML, JSON, .env and shell.
    // Blanks only, never a line break: "password:" opening a YAML block must not take the next line as its value.
    private const string Assign = """[\w.\-]{0,30}?["']?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}["'`]?""";

    // After an unquoted or quoted value: the value must end here, not continue as an identifier or call.
    private const string ValueEnd = """(?=["'`\s,;)}\]]|$)""";

    private const double TokenEntropy = 3.0;

    // "${DB_PASSWORD:-default}": the name is a variable being expanded, not a key being assigned.
    private const string NotInExpansion = """(?<!\$\{\w{0,60})""";

    // "secretHash", "token_sha256", "password_digest": the value is a hash of a secret, not a secret.
    private static readonly RuleAllowlist HashNames = new()
    {
        Description = "hashes and checksums assigned to secret-sounding names",
        Regexes = ["""(?i)(?:hash|checksum|digest|sha(?:1|256|512)|integrity|fingerprint)[\w.\-]{0,20}["']?[ \t]{0,5}(?:=|:)"""],
        RegexTarget = AllowlistTarget.Match,
    };

    /// <summary>Files that are full of hashes and never hold credentials.</summary>
    public static RuleAllowlist DefaultGlobalAllowlist { get; } = new()
    {
        Description = "lock files and DeployGuard baselines (hashes only)",
        Paths =
        [
            """(?:^|/)\.deployguard-baseline\.json$""",
            """(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.sum|Cargo\.lock|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|packages\.lock\.json|gradle\.lockfile)$""",
        ],
    };

    public static IReadOnlyList<SecretRule> All { get; } = WithWindows(
    [
        // ---------- AWS ----------
        new()
        {
            Id = "aws-access-key-id", Description = "AWS access key ID", SecretType = SecretType.ApiKey, Severity = Severity.Critical,
            Pattern = """(?<![A-Za-z0-9])(?<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])""",
            Keywords = ["akia", "asia", "abia", "acca", "a3t"], MinEntropy = TokenEntropy,
            Allowlists = [new() { Description = "AWS documentation example keys", StopWords = ["EXAMPLE"] }],
        },
        new()
        {
            Id = "aws-secret-access-key", Description = "AWS secret access key", SecretType = SecretType.Credential, Severity = Severity.Critical,
            Pattern = """(?i)(?:aws[\w.\-]{0,30}?(?:secret|private)|secret_?access_?key)""" + Assign + """(?<secret>(?-i:[A-Za-z0-9/+]{40}))(?![A-Za-z0-9/+=])""",
            Keywords = ["aws", "secretaccesskey", "secret_access_key"], MinEntropy = 4.0,
            Allowlists = [new() { StopWords = ["EXAMPLEKEY"] }],
        },
        new()
        {
            Id = "aws-session-token", Description = "AWS temporary session token", SecretType = SecretType.Token, Severity = Severity.High,
            Pattern = """(?i)aws[\w.\-]{0,30}?(?:session|security)[\w.\-]{0,20}?token""" + Assign + """(?<secret>(?-i:[A-Za-z0-9/+]{100,2000}={0,2}))(?![A-Za-z0-9/+=])""",
            Keywords = ["aws"], MinEntropy = 4.5,
        },
        new()
        {
            Id = "aws-mws-key", Description = "Amazon Marketplace Web Service auth token", SecretType = SecretType.ApiKey, Severity = Severity.High,
            Pattern = """(?<secret>amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9a-f])""",
            Keywords = ["amzn.mws."],
        },

        // ---------- GitHub (https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/) ----------
        Prefixed("github-pat", "GitHub personal access token (classic)", SecretType.Token, Severity.Critical, """ghp_[A-Za-z0-9]{36}""", "ghp_"),
        Prefixed("github-fine-grained-pat", "GitHub fine-grained personal access token", SecretType.Token, Severity.Critical, """github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}""", "github_pat_"),
        Prefixed("github-oauth-token", "GitHub OAuth access token", SecretType.Token, Severity.Critical, """gho_[A-Za-z0-9]{36}""", "gho_"),
        Prefixed("github-app-token", "GitHub App user-to-server or server-to-server token", SecretType.Token, Severity.Critical, """gh[us]_[A-Za-z0-9]{36}""", "ghu_", "ghs_"),
        Prefixed("github-refresh-token", "GitHub refresh token", SecretType.Token, Severity.High, """ghr_[A-Za-z0-9]{36,76}""", "ghr_"),

        // ---------- GitLab (https://docs.gitlab.com/ee/security/token_overview.html#token-prefixes) ----------
        Prefixed("gitlab-pat", "GitLab personal, project or group access token", SecretType.Token, Severity.Critical, """glpat-[A-Za-z0-9_\-]{20,64}(?:\.[0-9a-z]{2}\.[0-9a-z]{7,9})?""", "glpat-"),
        Prefixed("gitlab-pipeline-trigger-token", "GitLab pipeline trigger token", SecretType.Token, Severity.High, """glptt-[0-9a-f]{40}""", "glptt-"),
        Prefixed("gitlab-runner-token", "GitLab runner registration or authentication token", SecretType.Token, Severity.High, """(?:GR1348941[A-Za-z0-9_\-]{20}|glrt-[A-Za-z0-9_\-]{20,64})""", "gr1348941", "glrt-"),
        Prefixed("gitlab-deploy-token", "GitLab deploy token", SecretType.Token, Severity.High, """gldt-[A-Za-z0-9_\-]{20,64}""", "gldt-"),

        // ---------- Slack (https://api.slack.com/authentication/token-types) ----------
        Prefixed("slack-bot-token", "Slack bot token", SecretType.Token, Severity.High, """xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34}""", "xoxb-"),
        Prefixed("slack-user-token", "Slack user token", SecretType.Token, Severity.High, """xox[pe](?:-[0-9]{10,13}){3}-[A-Za-z0-9]{28,34}""", "xoxp-", "xoxe-"),
        Prefixed("slack-app-token", "Slack app-level token", SecretType.Token, Severity.High, """xapp-\d-[A-Z0-9]{9,12}-\d{10,14}-[a-f0-9]{64}""", "xapp-"),
        new()
        {
            Id = "slack-webhook-url", Description = "Slack incoming webhook or workflow URL", SecretType = SecretType.Webhook, Severity = Severity.Medium,
            Pattern = """(?<secret>https://hooks\.slack\.com/(?:services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24}|workflows/T[A-Z0-9]{8,12}/A[A-Z0-9]{8,12}/[0-9]{17,19}/[A-Za-z0-9]{32}))(?![A-Za-z0-9])""",
            Keywords = ["hooks.slack.com"],
            Allowlists = [new() { Description = "Slack documentation example", StopWords = ["XXXXXXXX", "/T00000000/"] }],
        },

        // ---------- Stripe (https://docs.stripe.com/keys) ----------
        Prefixed("stripe-secret-key", "Stripe live secret or restricted key", SecretType.ApiKey, Severity.Critical, """[sr]k_live_[A-Za-z0-9]{24,247}""", "sk_live_", "rk_live_"),
        Prefixed("stripe-test-key", "Stripe test-mode secret or restricted key", SecretType.ApiKey, Severity.Low, """[sr]k_test_[A-Za-z0-9]{24,247}""", "sk_test_", "rk_test_"),
        Prefixed("stripe-webhook-secret", "Stripe webhook signing secret", SecretType.ClientSecret, Severity.High, """whsec_[A-Za-z0-9]{32,64}""", "whsec_"),

        // ---------- Google ----------
        Prefixed("google-api-key", "Google API key", SecretType.ApiKey, Severity.High, """AIza[0-9A-Za-z_\-]{35}""", "aiza"),
        Prefixed("google-oauth-client-secret", "Google OAuth client secret", SecretType.ClientSecret, Severity.High, """GOCSPX-[A-Za-z0-9_\-]{28}""", "gocspx-"),
        Prefixed("google-oauth-access-token", "Google OAuth access token", SecretType.Token, Severity.Medium, """ya29\.[0-9A-Za-z_\-]{30,512}""", "ya29."),
        Prefixed("firebase-cloud-messaging-key", "Firebase Cloud Messaging server key", SecretType.ApiKey, Severity.High, """AAAA[A-Za-z0-9_\-]{7}:APA91b[A-Za-z0-9_\-]{134}""", ":apa91b"),

        // ---------- Azure ----------
        new()
        {
            Id = "azure-storage-connection-string", Description = "Azure Storage connection string with account key", SecretType = SecretType.ConnectionString, Severity = Severity.Critical,
            Pattern = """(?i)DefaultEndpointsProtocol=https?;(?:[^;"'\s]{1,200};){0,4}?AccountKey=(?<secret>(?-i:[A-Za-z0-9+/]{86}==))""",
            Keywords = ["defaultendpointsprotocol"],
        },
        new()
        {
            Id = "azure-cosmosdb-connection-string", Description = "Azure Cosmos DB connection string with account key", SecretType = SecretType.ConnectionString, Severity = Severity.Critical,
            Pattern = """(?i)AccountEndpoint=https://[^;"'\s]{1,200};AccountKey=(?<secret>(?-i:[A-Za-z0-9+/]{86}==))""",
            Keywords = ["accountendpoint"],
        },
        new()
        {
            Id = "azure-service-bus-connection-string", Description = "Azure Service Bus / Event Hubs connection string with shared access key", SecretType = SecretType.ConnectionString, Severity = Severity.High,
            Pattern = """(?i)Endpoint=sb://[^;"'\s]{1,200};SharedAccessKeyName=[^;"'\s]{1,200};SharedAccessKey=(?<secret>(?-i:[A-Za-z0-9+/]{43}=))""",
            Keywords = ["sharedaccesskey"],
        },
        new()
        {
            Id = "azure-storage-account-key", Description = "Azure Storage account key", SecretType = SecretType.ApiKey, Severity = Severity.Critical,
            Pattern = """(?i)(?:account_?key|storage[\w.\-]{0,20}?key)""" + Assign + """(?<secret>(?-i:[A-Za-z0-9+/]{86}==))""",
            Keywords = ["accountkey", "account_key", "storage"], MinEntropy = 4.5,
        },
        new()
        {
            Id = "azure-sas-token", Description = "Azure shared access signature", SecretType = SecretType.Token, Severity = Severity.High,
            Pattern = """(?i)\bsv=\d{4}-\d{2}-\d{2}[^\s"'<>]{0,300}?[?&]sig=(?<secret>[A-Za-z0-9%/+]{40,64}(?:%3D|=)?)""",
            Keywords = ["sig="], MinEntropy = 3.5,
        },
        new()
        {
            Id = "azure-ad-client-secret", Description = "Microsoft Entra ID (Azure AD) client secret", SecretType = SecretType.ClientSecret, Severity = Severity.High,
            Pattern = """(?<![A-Za-z0-9_~.\-])(?<secret>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?![A-Za-z0-9_~.\-])""",
            Keywords = ["q~"], MinEntropy = TokenEntropy,
        },

        // ---------- Messaging, mail, SMS ----------
        new()
        {
            Id = "twilio-api-key", Description = "Twilio API key SID", SecretType = SecretType.ApiKey, Severity = Severity.High,
            Pattern = """(?<![A-Za-z0-9])(?<secret>SK[0-9a-f]{32})(?![A-Za-z0-9])""",
            Keywords = ["sk"], MinEntropy = TokenEntropy,
        },
        new()
        {
            Id = "twilio-auth-token", Description = "Twilio auth token", SecretType = SecretType.Token, Severity = Severity.High,
            Pattern = """(?i)twilio[\w.\-]{0,20}?(?:auth|token|secret)""" + Assign + """(?<secret>(?-i:[0-9a-f]{32}))(?![0-9A-Za-z])""",
            Keywords = ["twilio"], MinEntropy = TokenEntropy,
        },
        Prefixed("sendgrid-api-key", "SendGrid API key", SecretType.ApiKey, Severity.High, """SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}""", "sg."),
        new()
        {
            Id = "mailgun-api-key", Description = "Mailgun API key (key- format)", SecretType = SecretType.ApiKey, Severity = Severity.High,
            Pattern = """(?<![A-Za-z0-9_\-])(?<secret>key-[0-9a-f]{32})(?![A-Za-z0-9])""",
            Keywords = ["key-"], MinEntropy = TokenEntropy,
        },
        new()
        {
            Id = "mailgun-private-key", Description = "Mailgun private API key", SecretType = SecretType.ApiKey, Severity = Severity.High,
            Pattern = """(?i)mailgun""" + Assign + """(?<secret>(?-i:[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}))(?![0-9A-Za-z])""",
            Keywords = ["mailgun"], MinEntropy = TokenEntropy,
        },
        new()
        {
            Id = "mailchimp-api-key", Description = "Mailchimp API key", SecretType = SecretType.ApiKey, Severity = Severity.High,
            Pattern = """(?<![0-9A-Za-z])(?<secret>[0-9a-f]{32}-us[0-9]{1,2})(?![0-9A-Za-z])""",
            Keywords = ["-us"], MinEntropy = TokenEntropy,
        },
        new()
        {
            Id = "telegram-bot-token", Description = "Telegram bot token", SecretType = SecretType.Token, Severity = Severity.High,
            Pattern = """(?<![0-9])(?<secret>[0-9]{8,10}:AA[0-9A-Za-z_\-]{33})(?![0-9A-Za-z_\-])""",
            Keywords = [":aa"], MinEntropy = TokenEntropy,
        },
        new()
        {
            Id = "discord-bot-token", Description = "Discord bot token", SecretType = SecretType.Token, Severity = Severity.High,
            Pattern = """(?i)discord""" + Assign + """(?<secret>(?-i:[MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38}))(?![A-Za-z0-9_\-])""",
            Keywords = ["discord"], MinEntropy = TokenEntropy,
        },
        new()
        {
            Id = "discord-webhook-url", Description = "Discord webhook URL", SecretType = SecretType.Webhook, Severity = Severity.Medium,
            Pattern = """(?<secret>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\-]{60,68})(?![A-Za-z0-9_\-])""",
            Keywords = ["discord"],
        },

        // ---------- Package registries and platforms ----------
        Prefixed("npm-access-token", "npm access token", SecretType.Token, Severity.Critical, """npm_[A-Za-z0-9]{36}""", "npm_"),
        Prefixed("pypi-upload-token", "PyPI upload token", SecretType.Token, Severity.Critical, """pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,1000}""", "pypi-ageichlwas5vcmc"),
        new()
        {
            Id = "nuget-api-key", Description = "NuGet.org API key", SecretType = SecretType.ApiKey, Severity = Severity.Critical,
            Pattern = """(?<![A-Za-z0-9])(?<secret>oy2[a-z0-9]{43})(?![A-Za-z0-9])""",
            Keywords = ["oy2"], MinEntropy = TokenEntropy,
        },
        Prefixed("dockerhub-pat", "Docker Hub personal or organization access token", SecretType.Token, Severity.High, """dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,32}""", "dckr_pat_", "dckr_oat_"),
        new()
        {
            Id = "heroku-api-key", Description = "Heroku API key (UUID format)", SecretType = SecretType.ApiKey, Severity = Severity.High,
            Pattern = """(?i)heroku""" + Assign + """(?<secret>(?-i:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))(?![0-9A-Za-z])""",
            Keywords = ["heroku"], MinEntropy = TokenEntropy,
        },
        Prefixed("heroku-api-key-v2", "Heroku platform API token", SecretType.ApiKey, Severity.High, """HRKU-AA[0-9A-Za-z_\-]{58}""", "hrku-"),
        Prefixed("shopify-access-token", "Shopify Admin API access token", SecretType.Token, Severity.High, """shpat_[a-fA-F0-9]{32}""", "shpat_"),
        Prefixed("shopify-custom-app-token", "Shopify custom app access token", SecretType.Token, Severity.High, """shpca_[a-fA-F0-9]{32}""", "shpca_"),
        Prefixed("shopify-private-app-token", "Shopify private app password", SecretType.Token, Severity.High, """shppa_[a-fA-F0-9]{32}""", "shppa_"),
        Prefixed("shopify-shared-secret", "Shopify app shared secret", SecretType.ClientSecret, Severity.High, """shpss_[a-fA-F0-9]{32}""", "shpss_"),
        Prefixed("digitalocean-token", "DigitalOcean personal access, OAuth or refresh token", SecretType.Token, Severity.High, """do[por]_v1_[a-f0-9]{64}""", "dop_v1_", "doo_v1_", "dor_v1_"),
        Prefixed("hashicorp-vault-token", "HashiCorp Vault service or batch token", SecretType.Token, Severity.High, """hv[sb]\.[A-Za-z0-9_\-]{90,120}""", "hvs.", "hvb."),
        Prefixed("terraform-cloud-token", "Terraform Cloud / Enterprise API token", SecretType.Token, Severity.High, """[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,70}""", ".atlasv1."),
        new()
        {
            Id = "databricks-token", Description = "Databricks personal access token", SecretType = SecretType.Token, Severity = Severity.High,
            Pattern = """(?<![A-Za-z0-9])(?<secret>dapi[a-f0-9]{32}(?:-[0-9])?)(?![A-Za-z0-9])""",
            Keywords = ["dapi"], MinEntropy = TokenEntropy,
        },
        Prefixed("square-access-token", "Square access token", SecretType.Token, Severity.High, """(?:EAAA[A-Za-z0-9_\-]{60}|sq0atp-[A-Za-z0-9_\-]{22})""", "eaaa", "sq0atp-"),
        Prefixed("square-oauth-secret", "Square OAuth application secret", SecretType.ClientSecret, Severity.High, """sq0csp-[A-Za-z0-9_\-]{43}""", "sq0csp-"),
        Prefixed("atlassian-api-token", "Atlassian API token", SecretType.Token, Severity.High, """ATATT3[A-Za-z0-9_\-=]{186}""", "atatt3"),
        Prefixed("linear-api-key", "Linear API key", SecretType.ApiKey, Severity.Medium, """lin_api_[A-Za-z0-9]{40}""", "lin_api_"),
        Prefixed("postman-api-key", "Postman API key", SecretType.ApiKey, Severity.Medium, """PMAK-[a-f0-9]{24}-[a-f0-9]{34}""", "pmak-"),
        Prefixed("new-relic-user-key", "New Relic user API key", SecretType.ApiKey, Severity.Medium, """NRAK-[A-Z0-9]{27}""", "nrak-"),
        Prefixed("sentry-auth-token", "Sentry user or organization auth token", SecretType.Token, Severity.Medium, """(?:sntryu_[a-f0-9]{64}|sntrys_eyJ[A-Za-z0-9+/=_\-]{60,400}_[A-Za-z0-9+/]{43})""", "sntryu_", "sntrys_"),
        Prefixed("grafana-service-account-token", "Grafana service account token", SecretType.Token, Severity.Medium, """glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}""", "glsa_"),
        Prefixed("pulumi-access-token", "Pulumi access token", SecretType.Token, Severity.High, """pul-[a-f0-9]{40}""", "pul-"),
        Prefixed("doppler-token", "Doppler API token", SecretType.Token, Severity.High, """dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}""", "dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."),
        Prefixed("age-secret-key", "age encryption secret key", SecretType.PrivateKey, Severity.High, """AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}""", "age-secret-key-1"),
        new()
        {
            Id = "alibaba-access-key-id", Description = "Alibaba Cloud AccessKey ID", SecretType = SecretType.ApiKey, Severity = Severity.High,
            Pattern = """(?<![A-Za-z0-9])(?<secret>LTAI[A-Za-z0-9]{20})(?![A-Za-z0-9])""",
            Keywords = ["ltai"], MinEntropy = TokenEntropy,
        },

        // ---------- AI providers ----------
        Prefixed("openai-api-key", "OpenAI API key", SecretType.ApiKey, Severity.High, """sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,74}T3BlbkFJ[A-Za-z0-9_\-]{20,74}""", "t3blbkfj"),
        Prefixed("anthropic-api-key", "Anthropic API key", SecretType.ApiKey, Severity.High, """sk-ant-(?:api03|admin01)-[A-Za-z0-9_\-]{93}AA""", "sk-ant-"),

        // ---------- Key blocks ----------
        new()
        {
            Id = "openssh-private-key", Description = "OpenSSH private key", SecretType = SecretType.PrivateKey, Severity = Severity.Critical,
            Pattern = """(?<secret>-----BEGIN OPENSSH PRIVATE KEY-----[A-Za-z0-9+/=\s\\]{64,16384}?-----END OPENSSH PRIVATE KEY-----)""",
            Keywords = ["begin openssh private key"], Validator = Validators.KeyBlockBody,
        },
        new()
        {
            Id = "pgp-private-key", Description = "PGP private key block", SecretType = SecretType.PrivateKey, Severity = Severity.Critical,
            Pattern = """(?<secret>-----BEGIN PGP PRIVATE KEY BLOCK-----[A-Za-z0-9+/=\s\\:.,()\-]{64,65536}?-----END PGP PRIVATE KEY BLOCK-----)""",
            Keywords = ["begin pgp private key block"], Validator = Validators.KeyBlockBody,
        },
        new()
        {
            Id = "private-key", Description = "PEM private key (RSA, EC, DSA, PKCS#8, encrypted)", SecretType = SecretType.PrivateKey, Severity = Severity.Critical,
            Pattern = """(?<secret>-----BEGIN[ A-Z0-9_\-]{0,40}PRIVATE KEY-----[A-Za-z0-9+/=\s\\:,\-]{64,16384}?-----END[ A-Z0-9_\-]{0,40}PRIVATE KEY-----)""",
            Keywords = ["private key-----"], Validator = Validators.KeyBlockBody,
        },
        new()
        {
            Id = "putty-private-key", Description = "PuTTY private key file", SecretType = SecretType.PrivateKey, Severity = Severity.Critical,
            Pattern = """PuTTY-User-Key-File-[23]: [^\r\n]{1,100}\r?\n(?:[A-Za-z\-]{1,40}: [^\r\n]{0,200}\r?\n(?:[A-Za-z0-9+/=]{1,64}\r?\n){0,40}){0,6}?Private-Lines: [0-9]{1,3}\r?\n(?<secret>(?:[A-Za-z0-9+/=]{1,64}\r?\n){1,40})""",
            Keywords = ["putty-user-key-file"], MinEntropy = 4.0,
        },
        new()
        {
            Id = "jwt", Description = "JSON Web Token", SecretType = SecretType.Token, Severity = Severity.Medium,
            Pattern = """(?<![A-Za-z0-9_\-])(?<secret>eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})(?![A-Za-z0-9_\-])""",
            Keywords = ["eyj"], MinEntropy = TokenEntropy, Validator = Validators.Jwt,
        },

        // ---------- Connection strings and URLs with passwords ----------
        new()
        {
            Id = "database-url-password", Description = "Database URL with an embedded password", SecretType = SecretType.ConnectionString, Severity = Severity.High,
            Pattern = """(?i)(?<![A-Za-z0-9+])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb|clickhouse|couchdb|neo4j(?:\+s)?|oracle)(?:\+[a-z0-9]+)?://[^:/\s@"'`]{1,64}:(?<secret>[^@/\s"'`]{3,128})@[^\s"'`/]{1,255}""",
            Keywords = ["postgres", "mysql", "mariadb", "mongodb", "redis", "amqp", "mssql", "sqlserver", "cockroachdb", "clickhouse", "couchdb", "neo4j", "oracle"],
            Validator = Validators.NotPlaceholder,
        },
        new()
        {
            Id = "connection-string-password", Description = "ADO.NET / ODBC connection string with a password", SecretType = SecretType.ConnectionString, Severity = Severity.High,
            Pattern = """(?i)(?:Server|Data Source|Host|Address|Addr|Network Address)\s*=\s*[^;"'\r\n]{1,200};[^"'\r\n]{0,300}?(?:Password|Pwd)\s*=\s*(?<secret>[^;"'\s]{3,128})""",
            Keywords = ["password", "pwd"], Validator = Validators.NotPlaceholder,
        },
        new()
        {
            Id = "url-basic-auth", Description = "URL with user name and password", SecretType = SecretType.Password, Severity = Severity.High,
            Pattern = """(?i)(?<![A-Za-z0-9+])(?:https?|ftps?|sftp|ssh|git|ldaps?|smtps?)://[^:/\s@"'`]{1,64}:(?<secret>[^@/\s"'`]{3,128})@[A-Za-z0-9][A-Za-z0-9.\-]{0,254}""",
            Keywords = ["://"], MinEntropy = 2.5, Validator = Validators.NotPlaceholder,
        },

        // ---------- Generic assignments, gated by entropy ----------
        new()
        {
            Id = "generic-password", Description = "Hard-coded password", SecretType = SecretType.Password, Severity = Severity.Medium,
            Pattern = """(?i)""" + NotInExpansion + """(?:password|passwd|passphrase|passwort|pwd)[\w.\-]{0,20}?["']?[ \t]{0,5}(?:=|:|=>|:=|==)[ \t]{0,5}["'`]?(?<secret>[^"'`\s\\,;)(\[\]{}<>]{6,128})["'`]?""" + ValueEnd,
            Keywords = ["password", "passwd", "passphrase", "passwort", "pwd"], MinEntropy = 3.0,
            Validator = Validators.GenericSecretValue, Allowlists = [HashNames], NeedsCodeContext = true,
        },
        new()
        {
            Id = "dotenv-secret", Description = "Secret in an environment file assignment", SecretType = SecretType.Generic, Severity = Severity.Medium,
            Pattern = """(?m)^[ \t]*(?:export[ \t]+)?[A-Z0-9_]*(?:PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|AUTH_KEY)[A-Z0-9_]*[ \t]*=[ \t]*["']?(?<secret>[^\s"'#]{8,256})["']?[ \t]*(?:#[^\r\n]*)?\r?$""",
            Keywords = ["password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "private_key", "access_key", "auth_key"], MinEntropy = 3.5,
            Validator = Validators.GenericSecretValue, Allowlists = [HashNames],
            // [A-Z0-9_]*[ \t]*= : the rest of the name is unbounded in the regex; 4 KiB is far past any real one.
            NeedsCodeContext = true, AssignmentWithin = 4096,
        },
        new()
        {
            Id = "generic-api-key", Description = "Hard-coded API key, token or client secret", SecretType = SecretType.ApiKey, Severity = Severity.Medium,
            Pattern = """(?i)""" + NotInExpansion + """(?:api[_.\-]?key|apikey|api[_.\-]?secret|secret[_.\-]?key|client[_.\-]?secret|access[_.\-]?token|auth[_.\-]?token|app[_.\-]?secret|private[_.\-]?token|secret|token)[\w.\-]{0,20}?["']?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}["'`]?(?<secret>[A-Za-z0-9_\-+/=.~]{16,256})["'`]?""" + ValueEnd,
            Keywords = ["api", "key", "secret", "token"], MinEntropy = 3.5,
            Validator = Validators.GenericSecretValue, Allowlists = [HashNames], NeedsCodeContext = true,
        },
    ]);

    // Every built-in match contains one of its rule's keywords; only key blocks run past the keyword's line.
    private static SecretRule[] WithWindows(SecretRule[] rules) =>
        rules.Select(r => r with
        {
            Window = r.SecretType == SecretType.PrivateKey && r.Id != "age-secret-key" ? KeywordWindow.Following : KeywordWindow.Line,
        }).ToArray();

    /// <summary>A token with a distinctive prefix: no context needed, bounded on both sides.</summary>
    private static SecretRule Prefixed(string id, string description, SecretType type, Severity severity, string token, params string[] keywords) => new()
    {
        Id = id,
        Description = description,
        SecretType = type,
        Severity = severity,
        Pattern = $"(?<![A-Za-z0-9_\\-])(?<secret>{token})(?![A-Za-z0-9_\\-])",
        Keywords = keywords,
        MinEntropy = TokenEntropy,
    };
}
