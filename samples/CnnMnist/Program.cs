// Trains the default CNN on the bundled MNIST digits (first 8,000 train, last 2,000 test), prints the test accuracy,
// saves the model, reloads it in a fresh MLContext and checks that the reloaded model scores identically.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Cnn;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 12;
string dataFolder = MnistDigits.FindDataFolder();
MnistDigit[] digits = MnistDigits.Load(dataFolder);
var images = digits.Select(d => new DigitImage { Pixels = d.Pixels, Digit = d.Digit }).ToArray();

var mlContext = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(DigitImage));
schema[nameof(DigitImage.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, MnistDigit.Side, MnistDigit.Side);
IDataView train = mlContext.Data.LoadFromEnumerable(images[..8000], schema);
IDataView test = mlContext.Data.LoadFromEnumerable(images[8000..], schema);

var options = new CnnOptions
{
    FeatureColumnName = "Features",
    Epochs = epochs,
    BatchSize = 64,
    Optimizer = MLNet.Extensions.Trainers.Training.OptimizerKind.AdamW,
    LearningRate = 2e-3f,
    WeightDecay = 1e-4f,
    Schedule = MLNet.Extensions.Trainers.Training.LearningRateSchedule.Cosine,
    RandomShiftPixels = 2,
    Seed = 1,
};
var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitImage.Digit),
        keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
    .Append(mlContext.Transforms.CopyColumns("Features", nameof(DigitImage.Pixels)))
    .Append(mlContext.MulticlassClassification.Trainers.Cnn(options, progress => Console.WriteLine(progress)))
    .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel"));

Console.WriteLine($"Training on {8000} digits for {epochs} epochs with {Environment.ProcessorCount} threads...");
var clock = Stopwatch.StartNew();
var model = pipeline.Fit(train);
Console.WriteLine($"training took {clock.Elapsed.TotalSeconds:F1} s");

IDataView scored = model.Transform(test);
var metrics = mlContext.MulticlassClassification.Evaluate(scored);
Console.WriteLine($"test accuracy: {metrics.MicroAccuracy:F4}");

string path = Path.Combine(Path.GetTempPath(), "mnist-cnn.zip");
mlContext.Model.Save(model, train.Schema, path);
Console.WriteLine($"saved model to {path} ({new FileInfo(path).Length / 1024} KiB)");

var freshContext = new MLContext();
ITransformer reloaded = freshContext.Model.Load(path, out _);
float[][] before = mlContext.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).Select(p => p.Score).ToArray();
var reloadedPredictions = freshContext.Data.CreateEnumerable<Prediction>(reloaded.Transform(test), reuseRowObject: false).ToArray();
bool agrees = before.Length == reloadedPredictions.Length
    && before.Zip(reloadedPredictions, (a, b) => a.AsSpan().SequenceEqual(b.Score)).All(x => x);

var engine = freshContext.Model.CreatePredictionEngine<DigitImage, Prediction>(reloaded, inputSchemaDefinition: schema);
for (int i = 8000; i < 8005; i++)
{
    Prediction p = engine.Predict(images[i]);
    Console.WriteLine($"digit {images[i].Digit}: predicted {p.PredictedDigit} (p = {p.Score.Max():F3})");
}
Console.WriteLine($"reloaded model agrees: {agrees}");

/// <summary>Input row: the pixels and the digit.</summary>
public sealed class DigitImage
{
    /// <summary>784 intensities in [0, 1].</summary>
    public float[] Pixels { get; set; } = [];

    /// <summary>The true digit.</summary>
    public uint Digit { get; set; }
}

/// <summary>Output row.</summary>
public sealed class Prediction
{
    /// <summary>Class probabilities.</summary>
    public float[] Score { get; set; } = [];

    /// <summary>The predicted digit.</summary>
    public uint PredictedDigit { get; set; }
}
