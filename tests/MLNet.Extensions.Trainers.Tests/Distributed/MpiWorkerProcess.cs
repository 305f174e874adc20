using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MLNet.Extensions.Trainers.Tests.Distributed;

/// <summary>One epoch as a worker rank printed it.</summary>
internal sealed record WorkerEpoch(int Rank, int Size, string Model, int Epoch, double TrainLoss, double ValidationLoss, double Metric, double SamplesPerSecond);

/// <summary>What one run of tests/MLNet.Extensions.MpiWorker printed, parsed.</summary>
internal sealed partial class WorkerRun
{
    public WorkerRun(int exitCode, string output)
    {
        ExitCode = exitCode;
        Output = output;
        foreach (string line in output.Split('\n'))
        {
            // Open MPI gives ranks a terminal, so lines may start with its escape codes; match from the rank prefix on.
            if (EpochLine().Match(line) is { Success: true } e)
            {
                Epochs.Add(new WorkerEpoch(Int(e, 1), Int(e, 2), e.Groups[3].Value, Int(e, 4), Real(e, 5), Real(e, 6), Real(e, 7), Real(e, 8)));
            }
            else if (ScoresLine().Match(line) is { Success: true } s)
            {
                Scores[(Int(s, 1), s.Groups[3].Value)] = s.Groups[4].Value;
            }
            else if (NamespaceLine().Match(line) is { Success: true } n)
            {
                Namespaces[Int(n, 1)] = n.Groups[3].Value;
            }
        }
    }

    public int ExitCode { get; }

    public string Output { get; }

    public List<WorkerEpoch> Epochs { get; } = [];

    /// <summary>Hash of the trained model's scores by (rank, model).</summary>
    public Dictionary<(int Rank, string Model), string> Scores { get; } = [];

    /// <summary>Network namespace of each rank.</summary>
    public Dictionary<int, string> Namespaces { get; } = [];

    public IReadOnlyList<WorkerEpoch> Curve(int rank, string model) =>
        Epochs.Where(e => e.Rank == rank && e.Model == model).OrderBy(e => e.Epoch).ToList();

    private static int Int(Match m, int group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    private static double Real(Match m, int group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"R(\d+)/(\d+) (\w+) epoch (\d+) (\S+) (\S+) (\S+) (\S+)")]
    private static partial Regex EpochLine();

    [GeneratedRegex(@"R(\d+)/(\d+) (\w+) scores ([0-9A-F]+)")]
    private static partial Regex ScoresLine();

    [GeneratedRegex(@"R(\d+)/(\d+) netns (\S+)")]
    private static partial Regex NamespaceLine();
}

/// <summary>Starts the MPI test worker alone or under mpirun, with a deadline so that a hung job fails the test instead of the build.</summary>
internal static class MpiWorkerProcess
{
    /// <summary>Longest any worker run may take; the tiny jobs need a few seconds on an idle machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);

    /// <summary>The worker in this process's environment: no launcher, so it trains alone.</summary>
    public static WorkerRun Alone(string mode) => Run("dotnet", [WorkerPath(), mode]);

    /// <summary>
    /// The worker on <paramref name="ranks"/> ranks under <c>mpirun --allow-run-as-root --oversubscribe</c> (root in containers,
    /// fewer cores than ranks on small machines), with <paramref name="mpirunOptions"/> before the program.
    /// </summary>
    public static WorkerRun UnderMpirun(int ranks, string mode, params string[] mpirunOptions) =>
        Run(Mpirun(), ["--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(CultureInfo.InvariantCulture), .. mpirunOptions,
            "dotnet", WorkerPath(), mode]);

    /// <summary>Like <see cref="UnderMpirun"/> with the ranks' collective timeout set to <paramref name="timeoutSeconds"/>.</summary>
    public static WorkerRun UnderMpirunWithTimeout(int ranks, string mode, int timeoutSeconds) =>
        Run(Mpirun(), ["--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(CultureInfo.InvariantCulture),
            "-x", $"MLNET_MPI_TIMEOUT_SECONDS={timeoutSeconds}", "dotnet", WorkerPath(), mode]);

    /// <summary>Runs <paramref name="file"/> and returns its exit code and its standard output and error, interleaved.</summary>
    public static WorkerRun Run(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        // A rank waiting on a dead peer ends itself after this long (MpiCommunicator's watchdog).
        start.Environment["MLNET_MPI_TIMEOUT_SECONDS"] = "60";
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("OMPI_", StringComparison.Ordinal) || k.StartsWith("PMI", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Deadline))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"'{file} {string.Join(' ', arguments)}' did not finish within {Deadline.TotalMinutes} minutes:\n{output}");
        }
        process.WaitForExit();
        lock (output)
            return new WorkerRun(process.ExitCode, output.ToString());
    }

    /// <summary>mpirun from the PATH; CI installs Open MPI when it is missing (.ci/run).</summary>
    public static string Mpirun()
    {
        string? found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "mpirun")).FirstOrDefault(File.Exists);
        Assert.True(found is not null, "mpirun is not on the PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev), as .ci/run does.");
        return found!;
    }

    /// <summary>The worker, built beside the test binaries (tests/&lt;Project&gt;/bin/&lt;Configuration&gt;/&lt;TFM&gt;/).</summary>
    public static string WorkerPath()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = bin.Name, configuration = bin.Parent!.Name;
        DirectoryInfo tests = bin.Parent!.Parent!.Parent!.Parent!;
        string path = Path.Combine(tests.FullName, "MLNet.Extensions.MpiWorker", "bin", configuration, tfm, "MLNet.Extensions.MpiWorker.dll");
        Assert.True(File.Exists(path), $"The MPI worker is not built at {path}.");
        return path;
    }
}
