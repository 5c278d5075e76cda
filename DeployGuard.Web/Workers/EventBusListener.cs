using System.Threading.Channels;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Events;
using Npgsql;

namespace DeployGuard.Web.Workers;

/// <summary>
/// Holds this instance's one LISTEN connection to PostgreSQL and hands other instances' events (and the jobs table's
/// wake-ups) to the local <see cref="EventBus"/>, so pages and workers here see what happens there. Reconnects after
/// failures; after a reconnect it tells every local subscriber to reload, since NOTIFYs sent while it was away are lost
/// for good.
/// </summary>
internal sealed class EventBusListener(DeploymentsDataSource dataSource, EventBus bus, ILogger<EventBusListener> logger)
    : BackgroundService
{
    // Queued after the payloads that arrived before the reconnect, so subscribers reload after handling them.
    private const string ResyncMarker = "\0resync";

    private readonly Channel<string> _payloads = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Completed once the first LISTEN is in place (tests and the runner can wait for it).</summary>
    public TaskCompletionSource Listening { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(ListenAsync(stoppingToken), DispatchAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var listenedBefore = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.Source.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => _payloads.Writer.TryWrite(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {EventBus.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                Listening.TrySetResult();
                if (listenedBefore)
                {
                    logger.LogInformation("Listening for events again; open pages reload what they show");
                    _payloads.Writer.TryWrite(ResyncMarker);
                }

                listenedBefore = true;
                while (!stoppingToken.IsCancellationRequested)
                {
                    // Wakes every 30 s with nothing, which also proves the connection is alive.
                    await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken);
                    if (connection.FullState != System.Data.ConnectionState.Open)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Listening for events failed; reconnecting");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        _payloads.Writer.TryComplete();
    }

    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        await foreach (var payload in _payloads.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (payload == ResyncMarker)
                {
                    bus.DispatchResync();
                    continue;
                }

                await bus.DispatchRemoteAsync(payload, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Dispatching an event failed");
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
