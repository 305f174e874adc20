using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLNet.Extensions.Transforms.MLNetSeam;

/// <summary>The ML.NET host environment behind a catalog, which ML.NET keeps internal (CatalogUtils).</summary>
internal static class CatalogEnvironment
{
    /// <summary>The environment of <paramref name="catalog"/>.</summary>
    public static IHostEnvironment Of(IInternalCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.GetEnvironment();
    }
}
