using System.Reflection;
using System.Text.RegularExpressions;
using DeployGuard.Data.Services.Audit;

namespace DeployGuard.Tests.Data.Audit;

/// <summary>The audit vocabulary is one list: distinct names, and every resource type offered by the filter.</summary>
public sealed class AuditVocabularyTests
{
    private static List<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();

    [Fact]
    public void AuditActions_EveryAction_IsDistinctAndLowerSnakeCase()
    {
        var actions = Constants(typeof(AuditActions));

        Assert.Equal(actions.Count, actions.Distinct().Count());
        Assert.All(actions, a => Assert.Matches(new Regex("^[a-z_]+(\\.[a-z_]+)?$"), a));
    }

    [Fact]
    public void ResourceTypes_All_ListsEveryResourceTypeOnce()
    {
        var types = Constants(typeof(ResourceTypes));

        Assert.Equal(types.Order(), ResourceTypes.All.Order());
    }
}
