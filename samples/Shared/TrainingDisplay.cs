using MLNet.Extensions.Trainers.Training;
using Spectre.Console;

namespace MLNet.Extensions.Samples;

/// <summary>
/// Shows training as it runs: in a terminal, a Spectre.Console progress bar per epoch driven by the trainer's per-batch
/// reports, each finished epoch keeping its summary; with redirected output, plain lines (every quarter epoch and at
/// each epoch's end). Collects the per-epoch history for the plots and prints the stop reason after early stopping.
/// </summary>
public sealed class TrainingDisplay
{
    private readonly List<TrainingProgress> _history = [];
    private readonly bool _interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
    private ProgressContext? _context;
    private ProgressTask? _task;
    private int _taskEpoch;
    private int _lastQuarter;

    /// <summary>The epochs reported so far.</summary>
    public IReadOnlyList<TrainingProgress> History => _history;

    /// <summary>For <see cref="NetworkTrainingOptions.BatchProgress"/>.</summary>
    public void OnBatch(BatchProgress batch)
    {
        string left = batch.EstimatedTimeLeft is TimeSpan t ? $", about {t:m\\:ss} left" : "";
        if (_context is null)
        {
            int quarter = (int)((batch.EpochFraction ?? 0) * 4);
            if (quarter > _lastQuarter && quarter < 4)
                Console.WriteLine($"  epoch {batch.Epoch}/{batch.Epochs}: {batch.SamplesSeen:N0}/{batch.EpochSamples:N0} samples, running loss {batch.RunningLoss:F4}, {batch.SamplesPerSecond:N0} samples/s{left}");
            _lastQuarter = quarter;
            return;
        }
        if (_task is null || _taskEpoch != batch.Epoch)
        {
            _task = _context.AddTask($"epoch {batch.Epoch}/{batch.Epochs}", maxValue: batch.EpochSamples ?? 1);
            _taskEpoch = batch.Epoch;
        }
        if (batch.EpochSamples is long total)
            _task.MaxValue = total;
        _task.Value = batch.SamplesSeen;
        _task.Description = Markup.Escape($"epoch {batch.Epoch}/{batch.Epochs}  loss {batch.RunningLoss:F4}  {batch.SamplesPerSecond:N0}/s{left}");
    }

    /// <summary>For the trainer's per-epoch progress callback.</summary>
    public void OnEpoch(TrainingProgress epoch)
    {
        _history.Add(epoch);
        _lastQuarter = 0;
        if (_context is null)
        {
            Console.WriteLine(epoch);
            return;
        }
        string validation = epoch.ValidationLoss is double v ? $"  val {v:F4}  {epoch.MetricName} {epoch.ValidationMetric:F4}" : "";
        _task ??= _context.AddTask("", maxValue: 1);
        _task.Description = Markup.Escape($"epoch {epoch.Epoch}/{epoch.Epochs}  loss {epoch.TrainLoss:F4}{validation}  {epoch.SamplesPerSecond:N0}/s");
        _task.Value = _task.MaxValue;
        _task.StopTask();
        _task = null;
    }

    /// <summary>Runs <paramref name="fit"/> under the display and returns its result.</summary>
    public T Run<T>(Func<T> fit)
    {
        T result;
        if (_interactive)
        {
            result = AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    _context = context;
                    try
                    {
                        return fit();
                    }
                    finally
                    {
                        _context = null;
                    }
                });
        }
        else
        {
            result = fit();
        }
        if (_history.Count > 0 && _history[^1].StopReason is string reason)
            Console.WriteLine($"Training stopped after epoch {_history[^1].Epoch} of {_history[^1].Epochs}: {reason}.");
        return result;
    }
}
