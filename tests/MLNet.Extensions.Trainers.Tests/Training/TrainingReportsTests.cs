using System.Globalization;
using Microsoft.ML;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Tests.Cnn;
using MLNet.Extensions.Trainers.Tests.Support;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Tests.Training;

/// <summary>What a user watches during training: per-batch reports, the CSV log, the stop reason, printable results.</summary>
public sealed class TrainingReportsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnet-ext-reports-").FullName;

    private static TransformerChain<Models.MulticlassNetworkPredictionTransformer> Fit(MLContext mlContext, CnnOptions options, IDataView data, Action<TrainingProgress>? progress = null) =>
        mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(mlContext.MulticlassClassification.Trainers.Cnn(options, progress))
            .Fit(data);

    [Fact]
    public void BatchReportsCountEveryBatchAndEndAtTheEpochsLoss()
    {
        var mlContext = new MLContext(seed: 1);
        var reports = new List<BatchProgress>();
        var epochs = new List<TrainingProgress>();
        CnnOptions options = CnnTestNetworks.Options(epochs: 2) with { BatchProgress = reports.Add };
        Fit(mlContext, options, Digits.ImageView(mlContext, 0, 200), epochs.Add);

        // 200 rows in batches of 32: six full batches and one of 8, per epoch.
        Assert.Equal(14, reports.Count);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7], reports.Select(r => r.Batch));
        Assert.Equal([32L, 64, 96, 128, 160, 192, 200], reports.Take(7).Select(r => r.SamplesSeen));
        Assert.All(reports, r => Assert.Equal(200, r.EpochSamples));
        Assert.All(reports, r => Assert.True(r.SamplesPerSecond > 0 && r.EstimatedTimeLeft >= TimeSpan.Zero, r.ToString()));
        for (int e = 0; e < 2; e++)
        {
            BatchProgress last = reports[e * 7 + 6];
            Assert.Equal(e + 1, last.Epoch);
            Assert.Equal(1.0, last.EpochFraction);
            Assert.Equal(epochs[e].TrainLoss, last.RunningLoss, 12);
        }
        // Time left counts the whole second epoch while the first runs, and nothing at the very end.
        Assert.True(reports[6].EstimatedTimeLeft > reports[13].EstimatedTimeLeft);
        Assert.Equal(TimeSpan.Zero, reports[13].EstimatedTimeLeft);
    }

    [Fact]
    public void FirstEpochEstimatesItsSizeFromTheSplitAndLaterEpochsCountIt()
    {
        var mlContext = new MLContext(seed: 1);
        var reports = new List<BatchProgress>();
        CnnOptions options = CnnTestNetworks.Options(epochs: 2) with { BatchProgress = reports.Add, ValidationFraction = 0.5f };
        Fit(mlContext, options, Digits.ImageView(mlContext, 0, 200));

        Assert.All(reports.Where(r => r.Epoch == 1), r => Assert.True(r.EpochSamples >= 100, r.ToString()));
        long counted = reports.Last(r => r.Epoch == 1).SamplesSeen;
        Assert.All(reports.Where(r => r.Epoch == 2), r => Assert.Equal(counted, r.EpochSamples));
    }

    [Fact]
    public void CsvLogHasOneRowPerEpochAndTheStopReasonOnTheLast()
    {
        var mlContext = new MLContext(seed: 1);
        string path = Path.Combine(_folder, "logs", "training.csv");
        // The early-stopping setup of CnnBinaryAndRegressionTests: stops after 2..10 of 30 epochs over seeds 1..8.
        CnnOptions options = CnnTestNetworks.Options(epochs: 30) with
        {
            EarlyStoppingPatience = 1, LearningRate = 0.01f, ValidationFraction = 0.5f, TrainingLogPath = path,
        };
        var history = Fit(mlContext, options, Digits.ImageView(mlContext, 0, 200)).LastTransformer.Model.TrainingHistory;

        Assert.InRange(history.Count, 2, options.Epochs - 1);
        Assert.All(history.SkipLast(1), p => Assert.Null(p.StopReason));
        Assert.StartsWith("early stopping: validation loss has not improved for 1 epochs", history[^1].StopReason);
        Assert.Contains("stopping: early stopping", history[^1].ToString());

        string[] lines = File.ReadAllLines(path);
        Assert.Equal(TrainingCsvLog.Header("accuracy"), lines[0]);
        Assert.Equal(history.Count + 1, lines.Length);
        for (int i = 0; i < history.Count; i++)
        {
            string[] cells = lines[i + 1].Split(',', 9);
            Assert.Equal(history[i].Epoch, int.Parse(cells[0], CultureInfo.InvariantCulture));
            Assert.Equal(history[i].TrainLoss, double.Parse(cells[3], CultureInfo.InvariantCulture));
            Assert.Equal(history[i].ValidationLoss, double.Parse(cells[4], CultureInfo.InvariantCulture));
            Assert.Equal(history[i].ValidationMetric, double.Parse(cells[5], CultureInfo.InvariantCulture));
            Assert.Equal(i == history.Count - 1 ? $"\"{history[i].StopReason}\"" : "", cells[8]);
        }
    }

    [Fact]
    public void CsvLogLeavesValidationCellsEmptyWithoutValidation()
    {
        var mlContext = new MLContext(seed: 1);
        string path = Path.Combine(_folder, "plain.csv");
        Fit(mlContext, CnnTestNetworks.Options(epochs: 1) with { TrainingLogPath = path }, Digits.ImageView(mlContext, 0, 64));
        string[] cells = File.ReadAllLines(path)[1].Split(',');
        Assert.Equal(["1", "1"], cells[..2]);
        Assert.Equal(["", ""], cells[4..6]);
    }

    [Fact]
    public void BlankLogPathIsRejectedByName()
    {
        var mlContext = new MLContext(seed: 1);
        var error = Assert.Throws<ArgumentException>(() =>
            mlContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options() with { TrainingLogPath = " " }));
        Assert.Equal(nameof(NetworkTrainingOptions.TrainingLogPath), error.ParamName);
    }

    [Fact]
    public void ForecastResultPrintsItsValuesAndBounds()
    {
        var result = new ForecastResult([412.5f, 413.25f], [411.5f, 412f], [413.5f, 414.5f]);
        string text = result.ToString();
        Assert.Contains("412.5 (411.5..413.5)", text.Replace(',', '.'));
        Assert.Contains("413.25 (412..414.5)", text.Replace(',', '.'));
        Assert.StartsWith("forecast [", text);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
