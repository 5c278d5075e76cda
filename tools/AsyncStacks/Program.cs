using Microsoft.Diagnostics.Runtime;

// Prints what a hung .NET process is waiting on: the threads' stacks (blocking waits) and the async methods that
// are suspended at an await (async hangs leave no thread behind, only these state machines on the heap).
// Usage: dotnet run --project tools/AsyncStacks -- <pid> [filter]   (filter: part of a type name, default "DeployGuard")
if (args.Length == 0 || !int.TryParse(args[0], out var pid))
{
    Console.Error.WriteLine("usage: AsyncStacks <pid> [type-name filter]");
    return 2;
}

var filter = args.Length > 1 ? args[1] : "DeployGuard";
using var target = DataTarget.AttachToProcess(pid, suspend: true);
using var runtime = target.ClrVersions[0].CreateRuntime();

Console.WriteLine("== threads with a frame matching the filter");
foreach (var thread in runtime.Threads.Where(t => t.IsAlive))
{
    var frames = thread.EnumerateStackTrace().Select(f => f.ToString()).OfType<string>().ToList();
    if (frames.Any(f => f.Contains(filter, StringComparison.Ordinal)))
    {
        Console.WriteLine($"-- managed thread {thread.ManagedThreadId}");
        frames.Take(40).ToList().ForEach(f => Console.WriteLine("   " + f));
    }
}

Console.WriteLine("== async methods suspended at an await (count, method, state = which await)");
var waiting = new Dictionary<string, int>();
foreach (var box in runtime.Heap.EnumerateObjects())
{
    var name = box.Type?.Name;
    if (name is null || !name.Contains("AsyncStateMachineBox", StringComparison.Ordinal) || !name.Contains(filter, StringComparison.Ordinal))
    {
        continue;
    }

    // Debug builds make state machines classes, Release builds structs; -1 = running, -2 = finished.
    var field = box.Type!.GetFieldByName("StateMachine");
    int? state = field?.Type switch
    {
        null => null,
        { IsValueType: true } => box.ReadValueTypeField("StateMachine").ReadField<int>("<>1__state"),
        _ => box.ReadObjectField("StateMachine") is { IsNull: false } machine ? machine.ReadField<int>("<>1__state") : null,
    };
    if (state is null or < 0)
    {
        continue;
    }

    const string Box = "+AsyncStateMachineBox<";
    var method = name[(name.IndexOf(Box, StringComparison.Ordinal) + Box.Length)..^1];
    var key = $"{method}  state={state}";
    waiting[key] = waiting.GetValueOrDefault(key) + 1;
}

foreach (var (method, count) in waiting.OrderBy(w => w.Key, StringComparer.Ordinal))
{
    Console.WriteLine($"{count,5} {method}");
}

return 0;
