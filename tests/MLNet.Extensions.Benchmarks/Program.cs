using BenchmarkDotNet.Running;

namespace MLNet.Extensions.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project tests/MLNet.Extensions.Benchmarks -- --filter '*'</c> runs the
/// BenchmarkDotNet suites; <c>-- profile</c> prints where one CNN training step spends its time; <c>-- batchnorm</c> per-call times of the batch-norm and pool passes; <c>-- conv</c> prints per-pass times and
/// the share of the FMA peak of the LeNet convolutions; <c>-- throughput [lenet|lstm]</c> prints end-to-end training and scoring rates (<c>lenet</c> or <c>lstm</c>: that network's end-to-end figures only); <c>-- lstm [train|score|single|engine|all] [threads]</c> only the LSTM ones;
/// <c>allreduce-share</c> (under mpirun) times a data-parallel LeNet step's allreduce.
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks BenchmarkDotNet's switcher selects from the command line, or the layer profile.</summary>
    public static void Main(string[] args)
    {
        if (args.Length > 1 && args[0] == "throughput" && args[1] == "lenet")
        {
            Training.EndToEnd.Run(threads: 2, cnnEpochs: 4, lstmEpochs: 0);
            return;
        }
        if (args.Length > 1 && args[0] == "throughput" && args[1] == "lstm")
        {
            Training.EndToEnd.Run(threads: 2, cnnEpochs: 0, lstmEpochs: 3);
            return;
        }
        if (args.Length > 0 && args[0] == "throughput")
        {
            Training.Throughput.Run();
            return;
        }
        if (args.Length > 0 && args[0] == "lstm")
        {
            if (args.Length > 2)
                Kernels.KernelSettings.ThreadCount = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
            Recurrent.LstmThroughput.Run(args.Length > 1 && args[1] != "all" ? args[1] : null);
            return;
        }
        if (args.Length > 0 && args[0] == "allreduce-share")
        {
            Training.AllreduceShare.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 64);
            return;
        }
        if (args.Length > 0 && args[0] == "conv")
        {
            Convolution.ConvolutionProfile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0,
                args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 64);
            return;
        }
        if (args.Length > 0 && args[0] == "batchnorm")
        {
            Layers.BatchNormProfile.Run();
            return;
        }
        if (args.Length > 0 && args[0] == "profile")
        {
            LayerProfile.Run(lenet: args.Length > 1 && args[1] == "lenet");
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
