// Trains the MNIST CNN data-parallel over MPI ranks: every rank runs this same program, reads its slice of each global batch,
// and averages the gradient with the others each step, so every rank ends with the same model.
//   mpirun -np 2 dotnet samples/CnnMnistMpi/bin/Release/net10.0/CnnMnistMpi.dll [--epochs 3] [--network default|lenet] [--threads N]
// Started without mpirun it trains alone. Rank 0 logs the epochs and saves the model; every rank prints its test accuracy.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Kernels.Distributed;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Distributed;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int epochs = int.Parse(Option("--epochs") ?? "3", CultureInfo.InvariantCulture);
bool lenet = Option("--network") == "lenet";
int? threads = Option("--threads") is string t ? int.Parse(t, CultureInfo.InvariantCulture) : null;

ICommunicator world = TrainingWorld.Resolve(DistributedMode.Auto);
Console.WriteLine($"rank {world.Rank} of {world.Size} ({world.Description}) on {Environment.MachineName}");

MnistDigit[] digits = MnistDigits.Load(MnistDigits.FindDataFolder());
var images = digits.Select(d => new DigitImage { Pixels = d.Pixels, Digit = d.Digit }).ToArray();
var mlContext = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(DigitImage));
schema[nameof(DigitImage.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, MnistDigit.Side, MnistDigit.Side);
IDataView train = mlContext.Data.LoadFromEnumerable(images[..8000], schema);
IDataView test = mlContext.Data.LoadFromEnumerable(images[8000..], schema);

var options = new CnnOptions
{
    FeatureColumnName = "Features",
    // LeNet (as in BENCHMARKS.md): two 5x5 convolutions with ReLU and max pooling, dense 128; else the trainer's default network.
    Layers = lenet
        ? new LayerStack(new Conv2dSpec(16, 5, Padding: 2), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max),
            new Conv2dSpec(32, 5, Padding: 2), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max),
            new FlattenSpec(), new DenseSpec(128), new ActivationSpec(ActivationKind.Relu))
        : null,
    Epochs = epochs,
    BatchSize = 64, // the global batch: each of N ranks computes 64 / N samples of it
    Optimizer = OptimizerKind.AdamW,
    LearningRate = 2e-3f,
    WeightDecay = 1e-4f,
    Schedule = LearningRateSchedule.Cosine,
    RandomShiftPixels = lenet ? 0 : 2,
    Seed = 1,
    ThreadCount = threads, // null: this host's cores shared by its ranks
    Distributed = DistributedMode.Auto,
};
var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitImage.Digit),
        keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
    .Append(mlContext.Transforms.CopyColumns("Features", nameof(DigitImage.Pixels)))
    // The progress callback runs on rank 0 only; samples/s counts the global batch, so it is summed over the ranks.
    .Append(mlContext.MulticlassClassification.Trainers.Cnn(options,
        p => Console.WriteLine($"epoch {p.Epoch}/{p.Epochs}: train loss {p.TrainLoss:F4}, {p.SamplesPerSecond:F0} samples/s summed over {world.Size} ranks, {p.Elapsed.TotalSeconds:F1} s")));

var model = pipeline.Fit(train);
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine($"rank {world.Rank} of {world.Size}: test accuracy {metrics.MicroAccuracy:F4}");

if (world.Rank == 0)
{
    string path = Path.Combine(Path.GetTempPath(), "mnist-cnn-mpi.zip");
    mlContext.Model.Save(model, train.Schema, path);
    Console.WriteLine($"rank 0 saved the model to {path}");
}

string? Option(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>Input row: the pixels and the digit.</summary>
public sealed class DigitImage
{
    /// <summary>784 intensities in [0, 1].</summary>
    public float[] Pixels { get; set; } = [];

    /// <summary>The true digit.</summary>
    public uint Digit { get; set; }
}
