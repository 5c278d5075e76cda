using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>
/// A small but real SMTP server on 127.0.0.1 (RFC 5321 commands, STARTTLS or TLS from the first byte with a
/// self-signed certificate, AUTH PLAIN and LOGIN): the mail code talks the real protocol over a real socket.
/// </summary>
public sealed class LoopbackSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LoopbackSmtpServer(bool offerStartTls = true, bool implicitTls = false, (string User, string Password)? account = null)
    {
        OfferStartTls = offerStartTls;
        ImplicitTls = implicitTls;
        Account = account;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public bool OfferStartTls { get; }

    public bool ImplicitTls { get; }

    public (string User, string Password)? Account { get; }

    public X509Certificate2 Certificate { get; }

    public string CertificateSha256 => Certificate.GetCertHashString(HashAlgorithmName.SHA256);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Messages accepted after DATA, in order.</summary>
    public ConcurrentQueue<ReceivedMail> Received { get; } = new();

    /// <summary>Every command line a client sent (AUTH payloads included, as sent), for what-happened assertions.</summary>
    public ConcurrentQueue<string> Commands { get; } = new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            Stream stream = client.GetStream();
            var tls = false;
            if (ImplicitTls)
            {
                stream = await StartTlsAsync(stream);
                tls = true;
            }

            var session = new Session(stream);
            await session.WriteAsync("220 localhost ESMTP DeployGuard test server");
            string? authenticatedAs = null;
            string? from = null;
            var to = new List<string>();
            while (await session.ReadLineAsync() is { } line)
            {
                Commands.Enqueue(line);
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                    case "HELO":
                        var extensions = new List<string> { "localhost", "8BITMIME" };
                        if (OfferStartTls && !tls)
                        {
                            extensions.Add("STARTTLS");
                        }

                        if (Account is not null)
                        {
                            extensions.Add("AUTH PLAIN LOGIN");
                        }

                        await session.WriteAsync(string.Join("\r\n", extensions.Select((e, i) => (i == extensions.Count - 1 ? "250 " : "250-") + e)));
                        break;
                    case "STARTTLS" when OfferStartTls && !tls:
                        await session.WriteAsync("220 2.0.0 Ready to start TLS");
                        session = new Session(await StartTlsAsync(stream));
                        tls = true;
                        (authenticatedAs, from) = (null, null);
                        to.Clear();
                        break;
                    case "AUTH" when Account is { } account:
                        var user = await AuthenticateAsync(session, line);
                        if (user == account.User)
                        {
                            authenticatedAs = user;
                            await session.WriteAsync("235 2.7.0 Authentication successful");
                        }
                        else
                        {
                            await session.WriteAsync("535 5.7.8 Authentication credentials invalid");
                        }

                        break;
                    case "MAIL":
                        if (Account is not null && authenticatedAs is null)
                        {
                            await session.WriteAsync("530 5.7.0 Authentication required");
                            break;
                        }

                        from = Address(line);
                        await session.WriteAsync("250 2.1.0 OK");
                        break;
                    case "RCPT":
                        to.Add(Address(line));
                        await session.WriteAsync("250 2.1.5 OK");
                        break;
                    case "DATA":
                        await session.WriteAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await session.ReadLineAsync() is { } dataLine && dataLine != ".")
                        {
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        }

                        Received.Enqueue(new ReceivedMail(from ?? "", [.. to], data.ToString(), tls, authenticatedAs));
                        await session.WriteAsync("250 2.0.0 OK: queued");
                        (from, to) = (null, []);
                        break;
                    case "RSET":
                        (from, to) = (null, []);
                        await session.WriteAsync("250 2.0.0 OK");
                        break;
                    case "NOOP":
                        await session.WriteAsync("250 2.0.0 OK");
                        break;
                    case "QUIT":
                        await session.WriteAsync("221 2.0.0 Bye");
                        return;
                    default:
                        await session.WriteAsync("502 5.5.2 Command not recognized");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException or SocketException)
        {
            // The client went away or refused our certificate: that is what some tests want to see.
        }
    }

    /// <summary>AUTH PLAIN (initial response or not) and AUTH LOGIN; returns the user name when the password matched.</summary>
    private async Task<string?> AuthenticateAsync(Session session, string line)
    {
        var parts = line.Split(' ');
        string user, password;
        if (parts[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            var payload = parts.Length > 2 ? parts[2] : await PromptAsync(session, "");
            var fields = Encoding.UTF8.GetString(Convert.FromBase64String(payload)).Split('\0');
            (user, password) = (fields[1], fields[2]);
        }
        else
        {
            user = Encoding.UTF8.GetString(Convert.FromBase64String(parts.Length > 2 ? parts[2] : await PromptAsync(session, "VXNlcm5hbWU6")));
            password = Encoding.UTF8.GetString(Convert.FromBase64String(await PromptAsync(session, "UGFzc3dvcmQ6")));
        }

        return Account is { } account && user == account.User && password == account.Password ? user : null;
    }

    private async Task<string> PromptAsync(Session session, string challenge)
    {
        await session.WriteAsync("334 " + challenge);
        var answer = await session.ReadLineAsync() ?? "";
        Commands.Enqueue(answer);
        return answer;
    }

    private async Task<Stream> StartTlsAsync(Stream inner)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: true);
        await ssl.AuthenticateAsServerAsync(Certificate);
        return ssl;
    }

    private static string Address(string line) => line[(line.IndexOf('<') + 1)..line.IndexOf('>')];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Certificate.Dispose();
        _stop.Dispose();
    }

    /// <summary>Line-based reads and writes over the current stream (plain, or TLS after STARTTLS).</summary>
    private sealed class Session(Stream stream)
    {
        private readonly StreamReader _reader = new(stream, Encoding.UTF8, false, 4096, leaveOpen: true);

        public Task<string?> ReadLineAsync() => _reader.ReadLineAsync();

        public async Task WriteAsync(string reply)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"));
            await stream.FlushAsync();
        }
    }
}

/// <summary>One message as the server received it.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> To, string Data, bool OverTls, string? AuthenticatedAs);
