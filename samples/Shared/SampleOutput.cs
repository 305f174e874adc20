namespace MLNet.Extensions.Samples;

/// <summary>Where a sample writes its plots, CSV files and model: samples/output/&lt;sample&gt; beside the data folder.</summary>
public static class SampleOutput
{
    /// <summary>The output folder of <paramref name="sample"/>, created if needed.</summary>
    public static string Folder(string dataFolder, string sample)
    {
        string folder = Path.GetFullPath(Path.Combine(dataFolder, "..", "output", sample));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>"path (N KiB)" for the closing lines.</summary>
    public static string Describe(string path) => $"{path} ({new FileInfo(path).Length / 1024.0:N0} KiB)";
}
