// Which model is best for the bundled MNIST digits? CNN configurations (blocks, filters, kernel, dense width, optimizer,
// learning rate) and an LSTM reading the image row by row compete with LightGBM and SDCA on the same raw pixels.
// Successive halving spends epochs as the budget: every configuration starts with 1 epoch, the best third continue from
// their own weights to 3 epochs, the best of those to 9. Prints the leaderboard, refits the best on all training digits,
// reports its test accuracy, saves it and prints the path.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Experiments;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Lstm;

int trainRows = args.Length > 0 ? int.Parse(args[0]) : 4000;
var budget = TimeSpan.FromMinutes(args.Length > 1 ? double.Parse(args[1]) : 6);
MnistDigit[] digits = MnistDigits.Load(MnistDigits.FindDataFolder());
var rows = digits.Select(d => new Digit { Pixels = d.Pixels, Label = d.Digit }).ToArray();

var mlContext = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(Digit));
schema[nameof(Digit.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, MnistDigit.Side, MnistDigit.Side);
IDataView train = mlContext.Data.LoadFromEnumerable(rows[..trainRows], schema);
IDataView test = mlContext.Data.LoadFromEnumerable(rows[^2000..], schema);

const string Features = "Features";
// The same 784 pixels for everyone: as a 1x28x28 image for the CNN, as 28 steps of 28 for the LSTM, flat for the others.
IEstimator<ITransformer> Featurizer(MLContext ml) => ml.Transforms.Conversion.MapValueToKey("Label", "Label",
        keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
    .Append(ml.Transforms.CopyColumns(Features, nameof(Digit.Pixels)));

SearchSpace cnnSpace = NetworkSearchSpaces.Cnn().Without(nameof(CnnOptions.BatchSize), nameof(CnnOptions.RandomShiftPixels));
var cnn = new ExperimentCandidate("cnn", cnnSpace, trial => trial.MLContext.MulticlassClassification.Trainers.Cnn(
    NetworkSearchSpaces.CnnOptions(trial.Parameters, new CnnOptions
    {
        FeatureColumnName = Features,
        Epochs = trial.MaxEpochs ?? 9,
        Seed = trial.Seed,
        ThreadCount = trial.ThreadBudget,
    })));

SearchSpace lstmSpace = new SearchSpace()
    .AddChoice(nameof(LstmOptions.Cell), RecurrentKind.Lstm, RecurrentKind.Gru)
    .AddInteger(nameof(LstmOptions.HiddenSize), 32, 96, logScale: true, init: 64)
    .AddRange(nameof(LstmOptions.LearningRate), 1e-3, 1e-2, logScale: true, init: 3e-3);
var lstm = new ExperimentCandidate("lstm-rows", lstmSpace, trial => trial.MLContext.MulticlassClassification.Trainers.Lstm(
    NetworkSearchSpaces.RecurrentOptions(trial.Parameters, new LstmOptions
    {
        FeatureColumnName = Features,
        FeaturesPerStep = MnistDigit.Side,
        Epochs = trial.MaxEpochs ?? 9,
        Seed = trial.Seed,
        ThreadCount = trial.ThreadBudget,
    })));

var lightGbm = new ExperimentCandidate("lightgbm",
    new SearchSpace().AddInteger("Leaves", 8, 64, logScale: true, init: 16).AddRange("LearningRate", 0.05, 0.3, logScale: true, init: 0.1),
    trial => trial.MLContext.MulticlassClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmMulticlassTrainer.Options
    {
        LabelColumnName = "Label",
        FeatureColumnName = Features,
        NumberOfLeaves = trial.Parameters.Get<int>("Leaves"),
        LearningRate = trial.Parameters.Get<double>("LearningRate"),
        NumberOfIterations = 30,
        // One thread: LightGBM's OpenMP workers spin while they wait, which on a busy 2-core machine made a fit 10x slower.
        NumberOfThreads = 1,
        Seed = trial.Seed,
    }));

var sdca = new ExperimentCandidate("sdca",
    new SearchSpace().AddRange("L2", 1e-4, 1e-1, logScale: true, init: 1e-2),
    trial => trial.MLContext.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", Features,
        l2Regularization: (float)trial.Parameters.Get<double>("L2"), maximumNumberOfIterations: 20));

var monitor = new ConsoleMonitor();
Console.WriteLine($"Experiment on {trainRows} digits (25% held out per trial), budget {budget.TotalMinutes:F0} min, {Environment.ProcessorCount} cores.");
var clock = Stopwatch.StartNew();
ExperimentResult result = mlContext.Experiments().CreateExperiment()
    .SetDataset(train, holdoutFraction: 0.25)
    .SetTask(ExperimentTask.MulticlassClassification)
    .SetMetric(ExperimentMetric.Accuracy)
    .SetFeaturizer(Featurizer)
    .AddCandidate(cnn).AddCandidate(lstm).AddCandidate(lightGbm).AddCandidate(sdca)
    .SetTuner(new SuccessiveHalvingTuner(configurations: 18, minEpochs: 1, maxEpochs: 9, reduction: 3))
    .SetTimeBudget(budget)
    .SetMonitor(monitor)
    .SetFinalModel(FinalModel.Refit)
    .SetSeed(1)
    .Run();

Console.WriteLine();
Console.WriteLine($"Search stopped because {result.StopReason} after {result.Duration.TotalSeconds:F0} s; {result.EpochsSpent} epochs spent "
    + $"(training every network configuration to 9 epochs would take {NetworkTrials(result) * 9}).");
Console.WriteLine(result.ToTable());
Console.WriteLine($"best: {result.BestTrial.Candidate} [{result.BestTrial.Parameters}]");

var testMetrics = mlContext.MulticlassClassification.Evaluate(result.BestModel.Transform(test));
Console.WriteLine($"refit on all {trainRows} digits; test accuracy on the last 2000 digits: {testMetrics.MicroAccuracy:F4}");
string path = Path.Combine(Path.GetTempPath(), "mnist-experiment-best.zip");
mlContext.Model.Save(result.BestModel, result.InputSchema, path);
Console.WriteLine($"saved the best model to {path} ({new FileInfo(path).Length / 1024} KiB); total {clock.Elapsed.TotalSeconds:F0} s");

static int NetworkTrials(ExperimentResult result) => result.Leaderboard.Count(t => t.Epochs is not null);

/// <summary>Input row: the pixels and the digit.</summary>
public sealed class Digit
{
    /// <summary>784 intensities in [0, 1].</summary>
    public float[] Pixels { get; set; } = [];

    /// <summary>The true digit.</summary>
    public uint Label { get; set; }
}

/// <summary>Prints each trial as it ends.</summary>
public sealed class ConsoleMonitor : IExperimentMonitor
{
    /// <inheritdoc />
    public void ReportRunningTrial(TrialProposal proposal, string candidate)
    {
    }

    /// <inheritdoc />
    public void ReportCompletedTrial(TrialResult result) =>
        Console.WriteLine($"  trial {result.TrialId,2} {result.Candidate,-9} epochs {result.Epochs?.ToString() ?? "-",2} accuracy {result.Metric:F4} "
            + $"({result.Duration.TotalSeconds:F1} s, peak {result.PeakMemoryBytes / (1 << 20)} MiB)  {result.Parameters}");

    /// <inheritdoc />
    public void ReportFailedTrial(TrialResult result) => Console.WriteLine($"  {result}");

    /// <inheritdoc />
    public void ReportBestTrial(TrialResult result) => Console.WriteLine($"  new best: trial {result.TrialId} ({result.Candidate})");
}
