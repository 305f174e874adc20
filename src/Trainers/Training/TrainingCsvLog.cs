using System.Globalization;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// Writes one CSV row per epoch to <see cref="NetworkTrainingOptions.TrainingLogPath"/>, flushed as each epoch ends, so a
/// run can be watched or plotted while it trains. Numbers use the invariant culture; empty cells mean "no validation".
/// </summary>
internal sealed class TrainingCsvLog : IDisposable
{
    /// <summary>The header row; the metric column is named after the task's metric (accuracy, rmse).</summary>
    public static string Header(string metricName) =>
        $"epoch,epochs,learning_rate,train_loss,validation_loss,validation_{metricName},samples_per_second,elapsed_seconds,stop_reason";

    private readonly StreamWriter _writer;
    private bool _wroteHeader;

    public TrainingCsvLog(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
            Directory.CreateDirectory(folder);
        _writer = new StreamWriter(path, append: false);
    }

    public void Write(TrainingProgress progress)
    {
        if (!_wroteHeader)
        {
            _writer.WriteLine(Header(progress.MetricName));
            _wroteHeader = true;
        }
        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{progress.Epoch},{progress.Epochs},{progress.LearningRate:R},{progress.TrainLoss:R},{progress.ValidationLoss:R},{progress.ValidationMetric:R},{progress.SamplesPerSecond:F1},{progress.Elapsed.TotalSeconds:F3},{Quote(progress.StopReason)}"));
        _writer.Flush();
    }

    private static string Quote(string? text) =>
        string.IsNullOrEmpty(text) ? "" : "\"" + text.Replace("\"", "\"\"") + "\"";

    public void Dispose() => _writer.Dispose();
}
