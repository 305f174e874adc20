// Trains the default CNN on the bundled MNIST digits (first 8,000 train, 10% of them held out for validation; last
// 2,000 test) with a progress bar per epoch, prints the test accuracy, reloads the saved model in a fresh MLContext and
// checks that it scores identically, and writes the training curves and the confusion matrix as PNG files. Then trains
// ML.NET's LightGBM on the raw pixels of the same 8,000 training digits and prints it beside the CNN on the same test digits.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Training;

Console.WriteLine("CnnMnist: a CNN on the bundled MNIST digits (8,000 to train, 2,000 to test); loading the data...");
int epochs = args.Length > 0 ? int.Parse(args[0]) : 12;
string dataFolder;
try
{
    dataFolder = MnistDigits.FindDataFolder();
}
catch (DirectoryNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
string output = SampleOutput.Folder(dataFolder, "CnnMnist");
MnistDigit[] digits = MnistDigits.Load(dataFolder);
var images = digits.Select(d => new DigitImage { Pixels = d.Pixels, Digit = d.Digit }).ToArray();

var mlContext = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(DigitImage));
schema[nameof(DigitImage.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, MnistDigit.Side, MnistDigit.Side);
IDataView train = mlContext.Data.LoadFromEnumerable(images[..8000], schema);
IDataView test = mlContext.Data.LoadFromEnumerable(images[8000..], schema);

var display = new TrainingDisplay();
var options = new CnnOptions
{
    FeatureColumnName = "Features",
    Epochs = epochs,
    BatchSize = 64,
    Optimizer = OptimizerKind.AdamW,
    LearningRate = 2e-3f,
    WeightDecay = 1e-4f,
    Schedule = LearningRateSchedule.Cosine,
    RandomShiftPixels = 2,
    ValidationFraction = 0.1f,
    EarlyStoppingPatience = 3,
    Seed = 1,
    BatchProgress = display.OnBatch,
    TrainingLogPath = Path.Combine(output, "training.csv"),
};
var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitImage.Digit),
        keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
    .Append(mlContext.Transforms.CopyColumns("Features", nameof(DigitImage.Pixels)))
    .Append(mlContext.MulticlassClassification.Trainers.Cnn(options, display.OnEpoch))
    .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel"));

Console.WriteLine($"Training for up to {epochs} epochs with {Environment.ProcessorCount} threads...");
var clock = Stopwatch.StartNew();
var model = display.Run(() => pipeline.Fit(train));
double cnnSeconds = clock.Elapsed.TotalSeconds;
Console.WriteLine($"training took {cnnSeconds:F1} s");

IDataView scored = model.Transform(test);
var metrics = mlContext.MulticlassClassification.Evaluate(scored);
Console.WriteLine($"test accuracy: {metrics.MicroAccuracy:F4}");

string path = Path.Combine(output, "mnist-cnn.zip");
mlContext.Model.Save(model, train.Schema, path);

var freshContext = new MLContext();
ITransformer reloaded = freshContext.Model.Load(path, out _);
Prediction[] predictions = mlContext.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).ToArray();
var reloadedPredictions = freshContext.Data.CreateEnumerable<Prediction>(reloaded.Transform(test), reuseRowObject: false).ToArray();
bool agrees = predictions.Length == reloadedPredictions.Length
    && predictions.Zip(reloadedPredictions, (a, b) => a.Score.AsSpan().SequenceEqual(b.Score)).All(x => x);

var engine = freshContext.Model.CreatePredictionEngine<DigitImage, Prediction>(reloaded, inputSchemaDefinition: schema);
for (int i = 8000; i < 8005; i++)
{
    Prediction p = engine.Predict(images[i]);
    Console.WriteLine($"digit {images[i].Digit}: predicted {p.PredictedDigit} (p = {p.Score.Max():F3})");
}
Console.WriteLine($"reloaded model agrees: {agrees}");

var confusion = new int[10, 10];
for (int i = 0; i < predictions.Length; i++)
    confusion[images[8000 + i].Digit, predictions[i].PredictedDigit]++;
string curves = Path.Combine(output, "training.png"), matrix = Path.Combine(output, "confusion.png");
Plots.TrainingCurves(display.History, "CnnMnist: loss and validation accuracy per epoch", curves);
Plots.ConfusionMatrix(confusion, Enumerable.Range(0, 10).Select(d => d.ToString()).ToArray(),
    $"CnnMnist: 2,000 test digits, accuracy {metrics.MicroAccuracy:F4}", matrix);
Console.WriteLine($"plots: {curves}, {matrix}; per-epoch log: {options.TrainingLogPath}");
Console.WriteLine($"saved model: {SampleOutput.Describe(path)}");

// The baseline: LightGBM with ML.NET's defaults (100 boosting rounds) on the same 784 pixels of all 8,000 training
// digits (it holds none out), on one thread: LightGBM's OpenMP threads spin-wait at every barrier, and on a loaded
// 2-core machine that spinning took over 90% of the time (minutes instead of seconds).
Console.WriteLine("Training ML.NET's LightGBM on the raw pixels of the same 8,000 digits...");
var lightGbm = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitImage.Digit),
        keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
    .Append(mlContext.Transforms.CopyColumns("Features", nameof(DigitImage.Pixels)))
    .Append(mlContext.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options { NumberOfThreads = 1 }));
clock.Restart();
var lightGbmModel = lightGbm.Fit(train);
double lightGbmSeconds = clock.Elapsed.TotalSeconds;
var lightGbmMetrics = mlContext.MulticlassClassification.Evaluate(lightGbmModel.Transform(test));
Console.WriteLine($"{"model",-10} {"accuracy",9} {"macro acc",9} {"training",9}");
Console.WriteLine($"{"CNN",-10} {metrics.MicroAccuracy,9:F4} {metrics.MacroAccuracy,9:F4} {cnnSeconds,7:F1} s");
Console.WriteLine($"{"LightGBM",-10} {lightGbmMetrics.MicroAccuracy,9:F4} {lightGbmMetrics.MacroAccuracy,9:F4} {lightGbmSeconds,7:F1} s");
return 0;

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
