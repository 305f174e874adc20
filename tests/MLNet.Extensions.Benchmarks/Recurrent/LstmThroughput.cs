using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;
using static MLNet.Extensions.Benchmarks.Training.Throughput;

namespace MLNet.Extensions.Benchmarks.Recurrent;

/// <summary>
/// The row-MNIST LSTM figures of <c>-- throughput</c> alone, for A/B runs of recurrent kernel changes:
/// training step (batch 64, Adam), batch-256 scoring, single-sequence network forward and PredictionEngine latency,
/// each printed as median and best. <c>dotnet MLNet.Extensions.Benchmarks.dll lstm</c>.
/// </summary>
public static class LstmThroughput
{
    /// <summary>Runs the four measurements (or only <paramref name="only"/>: train, score, single, engine) and prints one line each.</summary>
    public static void Run(string? only = null)
    {
        bool Runs(string part) => only == null || only == part;
        Console.WriteLine($"{KernelSettings.ThreadCount} threads, widest SIMD path {KernelSettings.EffectiveVectorWidth}");
        var random = new Random(1);
        float[] images = Enumerable.Range(0, 256 * 784).Select(_ => (float)random.NextDouble()).ToArray();
        int[] labels = Enumerable.Range(0, 256).Select(i => i % 10).ToArray();
        var lstm = new NeuralNetwork(new InputLayout(TensorShape.Sequence(28, 28)), new LayerStack(new LstmSpec(128), new DenseSpec(10)));
        lstm.Initialize(1);

        var trainable = new NetworkTrainable(lstm, 64, 1);
        var batch = new TrainingBatch(64, 784, 1) { Count = 64 };
        images.AsSpan(0, 64 * 784).CopyTo(batch.Features);
        labels.AsSpan(0, 64).CopyTo(batch.ClassLabels);
        Array.Fill(batch.Lengths, 784);
        var loss = new LossFunction(PredictionTask.MulticlassClassification, trainable.OutputSize);
        var optimizer = new NetworkOptimizer(new CnnOptions(), trainable.Buffer.Values.Length, trainable.ParameterBlocks);
        var dOut = new float[64 * trainable.OutputSize];
        if (Runs("train"))
            Print("training (batch 64, Adam)", "samples/s", Rates(60, 64, () =>
        {
            ReadOnlySpan<float> outputs = trainable.Forward(batch, training: true);
            loss.Compute(batch, outputs, dOut, out _);
            trainable.Buffer.ZeroGradients();
            trainable.Backward(batch, dOut);
            optimizer.Step(trainable.Buffer.Values, trainable.Buffer.Gradients, 1e-3f);
        }));

        var scoring = lstm.CreateWorkspace(256, 1);
        int[] lengths = Enumerable.Repeat(784, 256).ToArray();
        if (Runs("score"))
            Print("batch scoring (batch 256)", "sequences/s", Rates(40, 256, () =>
        {
            lstm.Load(scoring, images, lengths, 256);
            lstm.Forward(scoring, 256, training: false);
        }));

        var single = lstm.CreateWorkspace(1, 1);
        if (Runs("single"))
            Print("single-sequence network forward", "sequences/s", Rates(2000, 1, () =>
        {
            lstm.Load(single, images.AsSpan(0, 784), lengths.AsSpan(0, 1), 1);
            lstm.Forward(single, 1, training: false);
        }));

        if (!Runs("engine"))
            return;
        var mlContext = new MLContext(seed: 1);
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 28, 28);
        var rows = Enumerable.Range(0, 256).Select(i => new ImageRow { Features = images.AsSpan(i * 784, 784).ToArray(), Label = (uint)(i % 10) }).ToArray();
        IDataView data = mlContext.Data.LoadFromEnumerable(rows, schema);
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.MulticlassClassification.Trainers.Lstm(new LstmOptions { HiddenSize = 128, Epochs = 1 }))
            .Fit(data);
        var engine = mlContext.Model.CreatePredictionEngine<ImageRow, ScoreRow>(model, inputSchemaDefinition: schema);
        List<double> micros = Rates(3000, 1, () => engine.Predict(rows[0])).Select(r => 1e6 / r).OrderBy(m => m).ToList();
        Console.WriteLine($"LSTM PredictionEngine single sequence: median {micros[micros.Count / 2]:F0} us, best {micros[0]:F0} us");
    }

    private static void Print(string what, string unit, List<double> rates) =>
        Console.WriteLine($"LSTM {what}: median {rates[rates.Count / 2]:F0} {unit}, best {rates[^1]:F0}");

    /// <summary>Rates (samples per second) of <paramref name="repetitions"/> timed calls after a warm-up, sorted ascending.</summary>
    private static List<double> Rates(int repetitions, int samples, Action step)
    {
        for (int i = 0; i < Math.Max(10, repetitions / 5); i++)
            step();
        var rates = new List<double>(repetitions);
        for (int i = 0; i < repetitions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step();
            rates.Add(samples / Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        rates.Sort();
        return rates;
    }
}
