namespace DeployGuard.Data.Services.Common;

public enum ResultStatus
{
    Ok,
    Invalid,
    NotFound,
    Forbidden,
}

/// <summary>
/// The outcome of a domain operation. Validation errors are keyed by input field name so the UI can show
/// each one next to its field and the API can return them as problem details.
/// </summary>
public sealed class Result<T>
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    private Result(ResultStatus status, T? value, IReadOnlyDictionary<string, string[]>? errors, string? message)
    {
        Status = status;
        Value = value;
        Errors = errors ?? NoErrors;
        Message = message;
    }

    public ResultStatus Status { get; }
    public T? Value { get; }
    public IReadOnlyDictionary<string, string[]> Errors { get; }
    public string? Message { get; }
    public bool Succeeded => Status == ResultStatus.Ok;

    public static Result<T> Ok(T value) => new(ResultStatus.Ok, value, null, null);

    public static Result<T> Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(ResultStatus.Invalid, default, errors, errors.Values.SelectMany(e => e).FirstOrDefault());

    public static Result<T> Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static Result<T> NotFound(string message = "Not found.") => new(ResultStatus.NotFound, default, null, message);

    public static Result<T> Forbidden(string message = "You are not allowed to do this.") => new(ResultStatus.Forbidden, default, null, message);

    public Result<TOther> As<TOther>() => new(Status, default, Errors, Message);
}

/// <summary>For operations that return nothing.</summary>
public readonly record struct Unit
{
    public static Unit Value => default;
}
