using BenchmarkDotNet.Running;

namespace MLNet.Extensions.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project tests/MLNet.Extensions.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks BenchmarkDotNet's switcher selects from the command line.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
