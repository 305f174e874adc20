using Microsoft.ML;

namespace MLNet.Extensions.Transforms.Persistence;

/// <summary>
/// ML.NET version headers for our components. The loader is named by our assembly's simple name, not its full name,
/// so a model saved by one patch version loads under another; compatibility is then decided by the version numbers.
/// </summary>
internal static class ModelVersions
{
    /// <summary>A header for a component whose format is <paramref name="current"/> and which reads back to <paramref name="oldestReadable"/>.</summary>
    public static VersionInfo Create(string signature, uint current, uint oldestReadable, string loaderSignature, Type? component = null) => new(
        modelSignature: signature,
        verWrittenCur: current,
        verReadableCur: current,
        verWeCanReadBack: oldestReadable,
        loaderSignature: loaderSignature,
        loaderAssemblyName: (component ?? typeof(ModelVersions)).Assembly.GetName().Name);
}
