using Xunit;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Extensions.TestUtilities;

/// <summary>Runs tests/MLNet.Extensions.LoadProbe in a child process and compares its scores with in-process ones.</summary>
public static class LoadProbe
{
    /// <summary>The probe on the ML.NET version the tests run on.</summary>
    public const string Newest = "MLNet.Extensions.LoadProbe";

    /// <summary>The probe deployed with the lowest ML.NET version our packages accept.</summary>
    public const string Lowest = "MLNet.Extensions.LoadProbe.Lowest";

    /// <summary>Saves <paramref name="data"/>, runs the probe on <paramref name="modelPath"/>, and returns its lines.</summary>
    public static string[] Score(MLContext mlContext, string modelPath, IDataView data, string column, string probe = Newest)
    {
        string folder = Path.GetDirectoryName(modelPath)!;
        string dataPath = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".idv");
        using (var stream = File.Create(dataPath))
            mlContext.Data.SaveAsBinary(data, stream);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ProbePath(probe));
        start.ArgumentList.Add(modelPath);
        start.ArgumentList.Add(dataPath);
        start.ArgumentList.Add(column);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"The load probe failed ({process.ExitCode}): {error.Result}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The same column scored in this process, in the probe's format.</summary>
    public static string[] ScoreHere(IDataView scored, string column)
    {
        DataViewSchema.Column c = scored.Schema[column];
        IEnumerable<string> lines = c.Type is VectorDataViewType
            ? scored.GetColumn<float[]>(c).Select(row => string.Join(" ", row.Select(Hex)))
            : scored.GetColumn<float>(c).Select(Hex);
        return lines.ToArray();
    }

    private static string Hex(float value) => BitConverter.SingleToInt32Bits(value).ToString("X8");

    /// <summary>The folder a probe is built to; its ML.NET assemblies are the ones it runs on.</summary>
    public static string ProbeFolder(string probe) => Path.GetDirectoryName(ProbePath(probe))!;

    private static string ProbePath(string probe)
    {
        // Test binaries live in tests/<Project>/bin/<Configuration>/<TFM>/; the probe is built beside them.
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = bin.Name, configuration = bin.Parent!.Name;
        DirectoryInfo tests = bin.Parent!.Parent!.Parent!.Parent!;
        string path = Path.Combine(tests.FullName, probe, "bin", configuration, tfm, probe + ".dll");
        Assert.True(File.Exists(path), $"The load probe is not built at {path}.");
        return path;
    }
}
