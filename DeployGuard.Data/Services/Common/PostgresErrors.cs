using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace DeployGuard.Data.Services.Common;

internal static class PostgresErrors
{
    public static bool IsUniqueViolation(this DbUpdateException ex, string? constraint = null) =>
        ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg &&
        (constraint is null || pg.ConstraintName == constraint);

    public static bool IsForeignKeyViolation(this DbUpdateException ex) =>
        ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation };
}
