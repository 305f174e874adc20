// Forecasts the bundled Mauna Loa CO2 series one month ahead with the LSTM forecaster at its defaults: trains on the first
// 80% of the months and prints the test RMSE beside the linear model the network has to beat (ML.NET's SDCA on the same
// differenced lags) and the naive baselines, the coverage of the 95% bounds, writes the test forecasts with their bounds
// to a CSV file, and plots them against the measurements and the training curves as PNG files. The one argument, if
// given, is the MLContext seed (default 1), which the forecaster draws its own seed from.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Forecasting;

Console.WriteLine("LstmCo2Forecast: an LSTM forecasts the monthly Mauna Loa CO2 series one month ahead; loading the data...");
string dataFolder;
try
{
    dataFolder = MnistDigits.FindDataFolder(requiredFile: "co2-concentration.csv");
}
catch (DirectoryNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
string outputFolder = SampleOutput.Folder(dataFolder, "LstmCo2Forecast");
string csv = Path.Combine(dataFolder, "co2-concentration.csv");
float[] series = File.ReadLines(csv).Skip(1)
    .Select(line => line.Split(','))
    .Select(parts => float.Parse(parts[1], CultureInfo.InvariantCulture))
    .ToArray();
string[] dates = File.ReadLines(csv).Skip(1).Select(line => line.Split(',')[0]).ToArray();
int split = (int)(series.Length * 0.8);
Console.WriteLine($"{series.Length} months; training on the first {split}, testing on the last {series.Length - split}.");

int seed = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
var mlContext = new MLContext(seed: seed);
IDataView train = mlContext.Data.LoadFromEnumerable(series[..split].Select(v => new Month { Co2 = v }));
IDataView all = mlContext.Data.LoadFromEnumerable(series.Select(v => new Month { Co2 = v }));
var display = new TrainingDisplay();
// Only the columns and the reporting are set: window, differencing, network, epochs, learning rate and schedule, the
// validation windows, the calibration tail and folds are the forecaster's defaults (README "Defaults").
var options = new LstmForecastingOptions
{
    BatchProgress = display.OnBatch,
    TrainingLogPath = Path.Combine(outputFolder, "training.csv"),
    InputColumnName = nameof(Month.Co2),
    OutputColumnName = "Forecast",
    LowerBoundColumnName = "Lower",
    UpperBoundColumnName = "Upper",
};
var clock = System.Diagnostics.Stopwatch.StartNew();
LstmForecastingTransformer model = display.Run(() => mlContext.Forecasting.ForecastByLstm(options, display.OnEpoch).Fit(train));
double trainingSeconds = clock.Elapsed.TotalSeconds;
var best = model.TrainingHistory.MinBy(e => e.ValidationLoss ?? e.TrainLoss)!;
// The time includes the CalibrationFolds networks trained only for the bounds' out-of-fold errors.
Console.WriteLine($"trained {model.TrainingHistory.Count} epochs in {trainingSeconds:F1} s, with {options.CalibrationFolds} calibration folds (MLContext seed {seed}); " +
    $"kept the weights of epoch {best.Epoch}: {best}");

// Row t of the scored series holds the forecast for month t + 1 made from months up to t.
IDataView scored = model.Transform(all);
float[][] forecast = scored.GetColumn<float[]>("Forecast").ToArray();
float[][] lower = scored.GetColumn<float[]>("Lower").ToArray();
float[][] upper = scored.GetColumn<float[]>("Upper").ToArray();
double model2 = 0, seasonal2 = 0, persistence2 = 0;
int inside = 0;
string output = Path.Combine(outputFolder, "co2-forecast.csv");
using (var writer = new StreamWriter(output))
{
    writer.WriteLine("Date,CO2,Forecast,Lower,Upper");
    for (int t = split; t < series.Length; t++)
    {
        float predicted = forecast[t - 1][0];
        model2 += Math.Pow(predicted - series[t], 2);
        seasonal2 += Math.Pow(series[t - 12] - series[t], 2);
        persistence2 += Math.Pow(series[t - 1] - series[t], 2);
        inside += series[t] >= lower[t - 1][0] && series[t] <= upper[t - 1][0] ? 1 : 0;
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{dates[t]},{series[t]:F2},{predicted:F3},{lower[t - 1][0]:F3},{upper[t - 1][0]:F3}"));
    }
}
int n = series.Length - split;
double lstmRmse = Math.Sqrt(model2 / n), sdcaRmse = LinearBaselineRmse(mlContext, series, split, options.WindowSize);
Console.WriteLine($"test RMSE over the last {n} months, one month ahead:");
Console.WriteLine($"  LSTM forecaster (defaults)                       {lstmRmse:F3} ppm");
Console.WriteLine($"  ML.NET SDCA on the same {options.WindowSize} differenced lags       {sdcaRmse:F3} ppm");
Console.WriteLine($"  persistence (last month)                         {Math.Sqrt(persistence2 / n):F3} ppm");
Console.WriteLine($"  seasonal naive (12 months earlier)               {Math.Sqrt(seasonal2 / n):F3} ppm");
Console.WriteLine($"LSTM vs SDCA: {100 * (sdcaRmse - lstmRmse) / sdcaRmse:+0.0;-0.0}% ({(lstmRmse < sdcaRmse ? "the LSTM wins" : "the linear model wins")})");
Console.WriteLine($"95% bounds cover {inside} of {n} test months ({100.0 * inside / n:F1}%)");
Console.WriteLine($"forecasts written to {output}");

// The engine forecasts one step at a time and keeps its state; feed it the test months and compare with the batch scores.
LstmForecastEngine engine = model.CreateForecastEngine(series[..split]);
float first = engine.Predict().Forecast[0];
Console.WriteLine($"engine forecast for {dates[split]}: {first:F3} ppm (actual {series[split]:F2}); agrees with batch scoring: {first == forecast[split - 1][0]}");
Console.WriteLine($"the engine prints its next forecast as: {engine.Predict()}");

DateTime[] months = dates[split..].Select(d => DateTime.Parse(d, CultureInfo.InvariantCulture)).ToArray();
string forecastPlot = Path.Combine(outputFolder, "forecast.png"), curves = Path.Combine(outputFolder, "training.png");
Plots.Forecast(months, series[split..].Select(v => (double)v).ToArray(),
    Enumerable.Range(split, n).Select(t => (double)forecast[t - 1][0]).ToArray(),
    Enumerable.Range(split, n).Select(t => (double)lower[t - 1][0]).ToArray(),
    Enumerable.Range(split, n).Select(t => (double)upper[t - 1][0]).ToArray(),
    $"LstmCo2Forecast: test months, RMSE {lstmRmse:F3} ppm (SDCA {sdcaRmse:F3}), bounds cover {100.0 * inside / n:F0}%", forecastPlot);
Plots.TrainingCurves(display.History, "LstmCo2Forecast: loss and validation RMSE (standardized) per epoch", curves);
string modelPath = Path.Combine(outputFolder, "co2-lstm.zip");
mlContext.Model.Save(model, train.Schema, modelPath);
Console.WriteLine($"plots: {forecastPlot}, {curves}; per-epoch log: {options.TrainingLogPath}");
Console.WriteLine($"saved model: {SampleOutput.Describe(modelPath)}");
return 0;

// The linear model the issue asks the network to beat: the next month's change from the last WindowSize changes, fitted by
// SDCA on standardized lags, then added to the last observed value (one step ahead, as the network forecasts).
static double LinearBaselineRmse(MLContext mlContext, float[] series, int split, int window)
{
    float[] changes = series.Skip(1).Zip(series, (next, previous) => next - previous).Prepend(0f).ToArray();
    LagRow Row(int t) => new() { Lags = changes[(t - window)..t], Change = changes[t] };
    var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(LagRow));
    schema[nameof(LagRow.Lags)].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, window);
    IDataView rows = mlContext.Data.LoadFromEnumerable(Enumerable.Range(window + 1, split - window - 1).Select(Row), schema);
    var linear = mlContext.Transforms.NormalizeMeanVariance(nameof(LagRow.Lags))
        .Append(mlContext.Regression.Trainers.Sdca(nameof(LagRow.Change), nameof(LagRow.Lags))).Fit(rows);
    var engine = mlContext.Model.CreatePredictionEngine<LagRow, LagPrediction>(linear, inputSchemaDefinition: schema);
    double squared = 0;
    for (int t = split; t < series.Length; t++)
        squared += Math.Pow(series[t - 1] + engine.Predict(Row(t)).Score - series[t], 2);
    return Math.Sqrt(squared / (series.Length - split));
}

/// <summary>One month of the series.</summary>
public sealed class Month
{
    /// <summary>CO2 concentration in ppm.</summary>
    public float Co2 { get; set; }
}

/// <summary>The last changes of the series and the next one, for the linear baseline.</summary>
internal sealed class LagRow
{
    public float[] Lags { get; set; } = [];
    public float Change { get; set; }
}

/// <summary>The linear baseline's forecast change.</summary>
internal sealed class LagPrediction
{
    public float Score { get; set; }
}
