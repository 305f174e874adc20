using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Benchmarks.Training;

/// <summary>
/// End-to-end throughput the issues set targets for, printed as medians of repeated runs in this process:
/// LeNet and row-MNIST LSTM training steps (forward, backward, Adam) at batch 64, batch-256 scoring, and single-sample
/// PredictionEngine latency, then the end-to-end figures (<see cref="EndToEnd"/>). <c>dotnet run -c Release --project tests/MLNet.Extensions.Benchmarks -- throughput</c>.
/// </summary>
public static class Throughput
{
    /// <summary>The LeNet network of the CNN issue (the output layer 10 is added by the trainer).</summary>
    public static LayerStack LeNet { get; } = new(
        new Conv2dSpec(16, 5, Padding: 2), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max),
        new Conv2dSpec(32, 5, Padding: 2), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max),
        new FlattenSpec(), new DenseSpec(128), new ActivationSpec(ActivationKind.Relu));

    /// <summary>Runs every measurement and prints one line each.</summary>
    public static void Run()
    {
        Console.WriteLine($"{KernelSettings.ThreadCount} threads, widest SIMD path {KernelSettings.EffectiveVectorWidth}");
        var random = new Random(1);
        float[] images = Enumerable.Range(0, 256 * 784).Select(_ => (float)random.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, 256).Select(i => i % 10).ToArray();

        // CNN training steps on the in-memory batch path the trainer uses.
        var cnn = new NeuralNetwork(new InputLayout(new TensorShape(1, 28, 28)), new LayerStack([.. LeNet, new DenseSpec(10)]));
        cnn.Initialize(1);
        double cnnTrain = TrainingSamplesPerSecond(new NetworkTrainable(cnn, 64, 1), images, labels, 784);
        Console.WriteLine($"LeNet training (batch 64, Adam): {cnnTrain:F0} samples/s");

        var scoring = cnn.CreateWorkspace(256);
        int[] lengths = Enumerable.Repeat(784, 256).ToArray();
        double cnnScore = Median(20, () =>
        {
            cnn.Load(scoring, images, lengths, 256);
            cnn.Forward(scoring, 256, training: false);
        }, 256);
        Console.WriteLine($"LeNet batch scoring (batch 256): {cnnScore:F0} samples/s");

        var lstm = new NeuralNetwork(new InputLayout(TensorShape.Sequence(28, 28)), new LayerStack(new LstmSpec(128), new DenseSpec(10)));
        lstm.Initialize(1);
        double lstmRate = TrainingSamplesPerSecond(new NetworkTrainable(lstm, 64, 1), images, labels, 784);
        Console.WriteLine($"Row-MNIST LSTM training (batch 64, T=28, F=28, H=128, Adam): {lstmRate:F0} samples/s");
        var lstmWorkspace = lstm.CreateWorkspace(256, 1);
        double lstmScore = Median(20, () =>
        {
            lstm.Load(lstmWorkspace, images, lengths, 256);
            lstm.Forward(lstmWorkspace, 256, training: false);
        }, 256);
        Console.WriteLine($"Row-MNIST LSTM batch scoring (batch 256): {lstmScore:F0} sequences/s");

        PredictionEngineLatency(images);
        LstmPredictionEngineLatency(images);
        Console.WriteLine("End to end through the public API:");
        EndToEnd.Run(threads: 2);
    }

    private static void LstmPredictionEngineLatency(float[] images)
    {
        var mlContext = new MLContext(seed: 1);
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 28, 28);
        var rows = Enumerable.Range(0, 256).Select(i => new ImageRow { Features = images.AsSpan(i * 784, 784).ToArray(), Label = (uint)(i % 10) }).ToArray();
        IDataView data = mlContext.Data.LoadFromEnumerable(rows, schema);
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.MulticlassClassification.Trainers.Lstm(new LstmOptions { HiddenSize = 128, Epochs = 1 }))
            .Fit(data);
        var engine = mlContext.Model.CreatePredictionEngine<ImageRow, ScoreRow>(model, inputSchemaDefinition: schema);
        Console.WriteLine($"Row-MNIST LSTM PredictionEngine single sequence: median {MedianMicroseconds(() => engine.Predict(rows[0])):F0} us");
    }

    private static double MedianMicroseconds(Action call)
    {
        var timings = new List<double>();
        for (int i = 0; i < 3000; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            if (i >= 500)
                timings.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        timings.Sort();
        return timings[timings.Count / 2];
    }

    private static double TrainingSamplesPerSecond(NetworkTrainable network, float[] images, int[] labels, int size)
    {
        var options = new CnnOptions();
        var batch = new TrainingBatch(64, size, 1) { Count = 64 };
        images.AsSpan(0, 64 * size).CopyTo(batch.Features);
        labels.AsSpan(0, 64).CopyTo(batch.ClassLabels);
        Array.Fill(batch.Lengths, size);
        var loss = new LossFunction(PredictionTask.MulticlassClassification, network.OutputSize);
        var optimizer = new NetworkOptimizer(options, network.Buffer.Values.Length, network.ParameterBlocks);
        var dOut = new float[64 * network.OutputSize];
        return Median(40, () =>
        {
            ReadOnlySpan<float> outputs = network.Forward(batch, training: true);
            loss.Compute(batch, outputs, dOut, out _);
            network.Buffer.ZeroGradients();
            network.Backward(batch, dOut);
            optimizer.Step(network.Buffer.Values, network.Buffer.Gradients, 1e-3f);
        }, 64);
    }

    private static void PredictionEngineLatency(float[] images)
    {
        var mlContext = new MLContext(seed: 1);
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28);
        var rows = Enumerable.Range(0, 256).Select(i => new ImageRow { Features = images.AsSpan(i * 784, 784).ToArray(), Label = (uint)(i % 10) }).ToArray();
        IDataView data = mlContext.Data.LoadFromEnumerable(rows, schema);
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.MulticlassClassification.Trainers.Cnn(new CnnOptions { Layers = LeNet, Epochs = 1 }))
            .Fit(data);
        var engine = mlContext.Model.CreatePredictionEngine<ImageRow, ScoreRow>(model, inputSchemaDefinition: schema);
        int next = 0;
        Console.WriteLine($"LeNet PredictionEngine single image: median {MedianMicroseconds(() => engine.Predict(rows[next++ % rows.Length])):F0} us");
    }

    private static double Median(int repetitions, Action step, int samples)
    {
        for (int i = 0; i < 10; i++)
            step(); // warm up, and let tiered compilation finish
        var rates = new List<double>();
        for (int i = 0; i < repetitions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step();
            rates.Add(samples / Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        rates.Sort();
        return rates[rates.Count / 2];
    }

    /// <summary>Input row.</summary>
    public sealed class ImageRow
    {
        /// <summary>784 pixels.</summary>
        public float[] Features { get; set; } = [];

        /// <summary>Digit.</summary>
        public uint Label { get; set; }
    }

    /// <summary>Output row.</summary>
    public sealed class ScoreRow
    {
        /// <summary>Class probabilities.</summary>
        public float[] Score { get; set; } = [];
    }
}
