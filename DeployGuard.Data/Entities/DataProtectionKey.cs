namespace DeployGuard.Data.Entities;

/// <summary>Data Protection key ring entry, shared by every app instance on the database.</summary>
public class DataProtectionKey
{
    public int Id { get; set; }
    public string FriendlyName { get; set; } = "";
    public string Xml { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
