namespace DeployGuard.Data.Configurations;

/// <summary>Column lengths, shared with the validation attributes of the input models.</summary>
public static class FieldLengths
{
    public const int ShortName = 50;
    public const int Name = 100;
    public const int Description = 1000;
    public const int SlackChannel = 80;
    public const int Url = 500;
    public const int Branch = 100;
    public const int Command = 2000;
    public const int Version = 100;
    public const int CommitSha = 64;
    public const int Reason = 2000;
    public const int PersonName = 256;
    public const int UserId = 450;
}
