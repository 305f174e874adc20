// Trains a small CNN, an LSTM classifier and the LSTM forecaster on tiny data and prints, on every rank, each epoch's
// losses with every digit ("R<rank>/<size> <model> epoch ...") and a hash of the trained model's scores. The MPI tests run
// it under mpirun and alone and compare. Modes: "all"; "cnn" (the CNN only); "fail" (rank 0 throws from its progress callback in epoch 1);
// "disagree" (rank 1 trains on fewer rows); "stall" (rank 1 never starts training).
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Kernels.Distributed;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Distributed;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string mode = args.Length > 0 ? args[0] : "all";
ICommunicator world = TrainingWorld.Resolve(DistributedMode.Auto);
string prefix = $"R{world.Rank}/{world.Size}";

// The network namespace shows which "machine" a rank ran on in the namespace test.
string netns = File.Exists("/proc/self/ns/net") ? new FileInfo("/proc/self/ns/net").LinkTarget ?? "?" : "?";
Console.WriteLine($"{prefix} netns {netns} {world.Description}");

if (mode == "stall" && world.Rank == 1)
    Thread.Sleep(Timeout.Infinite);

MnistDigit[] digits = MnistDigits.Load(MnistDigits.FindDataFolder());
// 641 rows: ten global batches of 64 and a last one of a single row, so one rank's slice of it is empty.
int trainRows = mode == "disagree" && world.Rank == 1 ? 600 : 641;
var mlContext = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(Digit));
schema[nameof(Digit.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, MnistDigit.Side, MnistDigit.Side);
Digit[] rows = digits.Select(d => new Digit { Pixels = d.Pixels, Label = d.Digit }).ToArray();
IDataView train = mlContext.Data.LoadFromEnumerable(rows[..trainRows], schema);
IDataView validation = mlContext.Data.LoadFromEnumerable(rows[2000..2301], schema);
var toKey = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(Digit.Label),
    keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(train);
train = toKey.Transform(train);
validation = toKey.Transform(validation);

Action<TrainingProgress>? progress = mode == "fail"
    ? p => throw new InvalidOperationException($"injected failure after epoch {p.Epoch}")
    : null;

var cnn = new CnnOptions
{
    FeatureColumnName = nameof(Digit.Pixels),
    Layers = new LayerStack(new Conv2dSpec(6, 5, Padding: 2), new ActivationSpec(ActivationKind.Relu),
        new PoolingSpec(PoolingKind.Max, 2, 2), new FlattenSpec(), new DenseSpec(32), new ActivationSpec(ActivationKind.Relu)),
    Epochs = 2,
    BatchSize = 64,
    LearningRate = 2e-3f,
    ThreadCount = 1,
    Seed = 3,
};
var cnnModel = mlContext.MulticlassClassification.Trainers.Cnn(cnn, progress).Fit(train, validation);
Report("cnn", cnnModel.Model.TrainingHistory, cnnModel.Transform(validation).GetColumn<float[]>("Score"));
if (mode != "all")
    return;

var lstm = new LstmOptions
{
    FeatureColumnName = nameof(Digit.Pixels),
    FeaturesPerStep = MnistDigit.Side,
    HiddenSize = 16,
    Epochs = 2,
    BatchSize = 64,
    LearningRate = 5e-3f,
    ThreadCount = 1,
    Seed = 4,
};
var lstmModel = mlContext.MulticlassClassification.Trainers.Lstm(lstm).Fit(train, validation);
Report("lstm", lstmModel.Model.TrainingHistory, lstmModel.Transform(validation).GetColumn<float[]>("Score"));

var random = new MLNet.Extensions.Kernels.Primitives.KernelRandom(42);
IDataView series = mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, 240)
    .Select(t => new Point { Value = 300f + 0.15f * t + 3f * MathF.Sin(2 * MathF.PI * t / 12) + 0.1f * (random.NextSingle() - 0.5f) }));
var forecast = new LstmForecastingOptions
{
    InputColumnName = nameof(Point.Value),
    WindowSize = 12,
    HiddenSize = 8,
    Epochs = 3,
    BatchSize = 32,
    ValidationFraction = 0.2f,
    ThreadCount = 1,
    Seed = 5,
};
var forecaster = mlContext.Forecasting.ForecastByLstm(forecast).Fit(series);
Report("forecast", forecaster.TrainingHistory, forecaster.Transform(series).GetColumn<float[]>("Forecast"));

void Report(string model, IReadOnlyList<TrainingProgress> history, IEnumerable<float[]> scores)
{
    foreach (TrainingProgress p in history)
        Console.WriteLine($"{prefix} {model} epoch {p.Epoch} {p.TrainLoss:R} {p.ValidationLoss:R} {p.ValidationMetric:R} {p.SamplesPerSecond:F0}");
    ulong hash = 14695981039346656037UL;
    foreach (float[] row in scores)
    {
        foreach (uint bits in MemoryMarshal.Cast<float, uint>(row))
            hash = (hash ^ bits) * 1099511628211UL;
    }
    Console.WriteLine($"{prefix} {model} scores {hash:X16}");
}

/// <summary>An MNIST row.</summary>
public sealed class Digit
{
    public float[] Pixels { get; set; } = [];
    public uint Label { get; set; }
}

/// <summary>A series row.</summary>
public sealed class Point
{
    public float Value { get; set; }
}
