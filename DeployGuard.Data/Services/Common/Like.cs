using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Common;

/// <summary>Case-insensitive "contains" searches whose wildcards (<c>%</c>, <c>_</c>, <c>\</c>) match literally.</summary>
internal static class Like
{
    /// <summary>
    /// Passed with every pattern: without it Npgsql emits <c>ESCAPE ''</c>, which turns the backslashes of
    /// <see cref="Escape"/> into literal characters (so <c>a_b</c> and <c>100%</c> would find nothing).
    /// </summary>
    public const string EscapeCharacter = @"\";

    private static readonly MethodInfo ILike = typeof(NpgsqlDbFunctionsExtensions).GetMethod(nameof(NpgsqlDbFunctionsExtensions.ILike),
        [typeof(DbFunctions), typeof(string), typeof(string), typeof(string)])!;

    /// <summary>Escapes LIKE wildcards so user search text matches literally.</summary>
    public static string Escape(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");

    /// <summary>
    /// A filter for <c>Where</c>: any of <paramref name="columns"/> contains <paramref name="search"/> (trimmed),
    /// ignoring case; <c>column ILIKE '%…%' ESCAPE '\'</c> in SQL, with the pattern sent as a parameter.
    /// A NULL column does not match.
    /// </summary>
    public static Expression<Func<T, bool>> Contains<T>(string search, params Expression<Func<T, string?>>[] columns)
    {
        ArgumentOutOfRangeException.ThrowIfZero(columns.Length);
        var row = Expression.Parameter(typeof(T), "row");
        // A member of an object (like a lambda's closure), so EF sends the pattern as a parameter instead of inlining it.
        var pattern = Expression.Property(Expression.Constant(new Pattern($"%{Escape(search.Trim())}%")), nameof(Pattern.Value));
        var functions = Expression.Property(null, typeof(EF), nameof(EF.Functions));
        var escape = Expression.Constant(EscapeCharacter);
        Expression? any = null;
        foreach (var column in columns)
        {
            var value = new Rebind(column.Parameters[0], row).Visit(column.Body);
            var match = Expression.Call(ILike, functions, value, pattern, escape);
            any = any is null ? match : Expression.OrElse(any, match);
        }

        return Expression.Lambda<Func<T, bool>>(any!, row);
    }

    /// <summary>Either filter matches (e.g. an exact id or a name containing the text).</summary>
    public static Expression<Func<T, bool>> Or<T>(this Expression<Func<T, bool>> left, Expression<Func<T, bool>> right)
    {
        var row = left.Parameters[0];
        return Expression.Lambda<Func<T, bool>>(Expression.OrElse(left.Body, new Rebind(right.Parameters[0], row).Visit(right.Body)), row);
    }

    private sealed record Pattern(string Value);

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
