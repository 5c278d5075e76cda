using DeployGuard.Data.Services.Catalog;

namespace DeployGuard.Web.Components.Shared;

/// <summary>The searches behind LookupPicker for lists that can be long: a page of matches by name, and one item by id.</summary>
public static class Lookups
{
    /// <summary>How many matches a picker shows; typing more narrows them.</summary>
    public const int PickerPage = 20;

    public static async Task<IReadOnlyList<Lookup>> SearchLookupsAsync(this ServiceCatalogService services, string? text, CancellationToken ct) =>
        (await services.ListAsync(new ServiceQuery { Search = text, Take = PickerPage }, ct)).Items.Select(s => new Lookup(s.Id, s.Name)).ToList();

    public static async Task<Lookup?> FindLookupAsync(this ServiceCatalogService services, Guid id, CancellationToken ct) =>
        await services.GetAsync(id, ct) is { } service ? new Lookup(service.Id, service.Name) : null;
}
