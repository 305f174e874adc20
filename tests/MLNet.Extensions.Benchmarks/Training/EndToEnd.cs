using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Benchmarks.Convolution;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Benchmarks.Training;

/// <summary>
/// The figures TorchSharp's benchmark (<c>../shared/peer/run.sh</c>) prints, through our public API on the same data
/// sizes: <c>Fit</c> on 8,000 bundled MNIST digits (batch 64, Adam 1e-3, no validation; epoch throughput from the
/// model's training history, median of the epochs), <c>Transform</c> over the other 2,000 (median of 5 passes that
/// read the Score column), and <c>PredictionEngine</c> latency on one digit; with the CPU model and the FMA peak. Like
/// TorchSharp's, each network's figures follow a warm-up on a throwaway model.
/// </summary>
public static class EndToEnd
{
    private const int TrainCount = 8000;
    private const int TestCount = 2000;
    private const int WarmUpBatches = 40;
    private const int WarmUpPasses = 70;

    /// <summary>
    /// Runs both networks (LeNet only when <paramref name="cnnEpochs"/> is positive, the LSTM only when
    /// <paramref name="lstmEpochs"/> is) with <paramref name="threads"/> kernel threads and prints one line per figure.
    /// </summary>
    public static void Run(int threads, int cnnEpochs = 3, int lstmEpochs = 3)
    {
        KernelSettings.ThreadCount = threads;
        Console.WriteLine($"CPU: {CpuModel()}, {Environment.ProcessorCount} logical cores; {threads} threads, widest SIMD {KernelSettings.EffectiveVectorWidth}");
        Console.WriteLine($"FMA peak: {ConvolutionProfile.FmaPeak(1):F0} GFLOPS on 1 thread, {ConvolutionProfile.FmaPeak(threads):F0} on {threads}");
        MnistDigit[] digits = MnistDigits.Load(MnistDigits.FindDataFolder());
        if (cnnEpochs > 0)
            Measure("LeNet", digits, new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28), threads,
                ml => ml.MulticlassClassification.Trainers.Cnn(new CnnOptions
                {
                    Layers = Throughput.LeNet, Epochs = cnnEpochs, BatchSize = 64, LearningRate = 1e-3f, Optimizer = OptimizerKind.Adam,
                    ThreadCount = threads, Seed = 1,
                }));
        if (lstmEpochs <= 0)
            return;
        Measure("Row-MNIST LSTM", digits, new VectorDataViewType(NumberDataViewType.Single, 28, 28), threads,
            ml => ml.MulticlassClassification.Trainers.Lstm(new LstmOptions
            {
                HiddenSize = 128, Epochs = lstmEpochs, BatchSize = 64, LearningRate = 1e-3f, Optimizer = OptimizerKind.Adam,
                ThreadCount = threads, Seed = 1,
            }));
    }

    private static void Measure(string name, MnistDigit[] digits, VectorDataViewType featureType, int threads,
        Func<MLContext, IEstimator<ITransformer>> trainer)
    {
        var ml = new MLContext(seed: 1);
        var schema = SchemaDefinition.Create(typeof(Throughput.ImageRow));
        schema[nameof(Throughput.ImageRow.Features)].ColumnType = featureType;
        Throughput.ImageRow[] rows = digits.Select(d => new Throughput.ImageRow { Features = d.Pixels, Label = d.Digit }).ToArray();
        IDataView train = ml.Data.LoadFromEnumerable(rows[..TrainCount], schema);
        IDataView test = ml.Data.LoadFromEnumerable(rows[TrainCount..(TrainCount + TestCount)], schema);

        // Warm-up on a throwaway model, as TorchSharp's benchmark does (one epoch of 40 batches), then Transform passes:
        // on two cores the JIT's background recompiles take one of them for tens of milliseconds at a time, and they come
        // as methods called once per pass reach their 30th call (instrumented code) and their 60th (final code); they
        // halved a third of the first 36 LSTM passes.
        var warmUp = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer(ml))
            .Fit(ml.Data.TakeRows(train, WarmUpBatches * 64));
        for (int pass = 0; pass < WarmUpPasses; pass++)
            warmUp.Transform(test).GetColumn<float[]>("Score").Count();

        long start = Stopwatch.GetTimestamp();
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer(ml)).Fit(train);
        double fitSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double[] epochRates = model.GetTrainingHistory().Select(h => h.SamplesPerSecond).ToArray();
        Console.WriteLine($"{name} Fit ({TrainCount:N0} digits, {epochRates.Length} epochs, {threads} threads): {Median(epochRates):F0} samples/s " +
            $"(median epoch; epochs {string.Join(", ", epochRates.Select(r => r.ToString("F0")))}; whole Fit {fitSeconds:F1} s)");

        double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        var passes = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            long t = Stopwatch.GetTimestamp();
            int count = model.Transform(test).GetColumn<float[]>("Score").Count();
            double seconds = Stopwatch.GetElapsedTime(t).TotalSeconds;
            if (i > 0)
                passes.Add(count / seconds);
        }
        Console.WriteLine($"{name} Transform ({TestCount:N0} digits): {Median([.. passes]):F0} rows/s (median of 5 passes); test accuracy {accuracy:F4}");
        // The per-row path Transform took before it scored blocks: ML.NET's scorer over the model's IValueMapper.
        var perRowScorer = (SingleFeaturePredictionTransformerBase<MulticlassNetworkModelParameters>)model.LastTransformer;
        IDataView keyed = model.First().Transform(test);
        passes.Clear();
        for (int i = 0; i < 4; i++)
        {
            long t = Stopwatch.GetTimestamp();
            int count = perRowScorer.Transform(keyed).GetColumn<float[]>("Score").Count();
            double seconds = Stopwatch.GetElapsedTime(t).TotalSeconds;
            if (i > 0)
                passes.Add(count / seconds);
        }
        Console.WriteLine($"{name} per-row scoring (ML.NET's scorer, the path Transform took before): {Median([.. passes]):F0} rows/s (median of 3 passes)");

        var engine = ml.Model.CreatePredictionEngine<Throughput.ImageRow, Throughput.ScoreRow>(model, inputSchemaDefinition: schema);
        var latencies = new List<double>();
        for (int i = 0; i < 3000; i++)
        {
            long t = Stopwatch.GetTimestamp();
            engine.Predict(rows[TrainCount + i % TestCount]);
            if (i >= 500)
                latencies.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
        }
        Console.WriteLine($"{name} PredictionEngine single sample: median {Median([.. latencies]):F0} us");
    }

    private static double Median(double[] values)
    {
        if (values.Length == 0)
            return double.NaN;
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
