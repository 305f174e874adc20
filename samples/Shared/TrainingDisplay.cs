using MLNet.Extensions.Trainers.Training;
using Spectre.Console;

namespace MLNet.Extensions.Samples;

/// <summary>
/// Shows training as it runs: in a terminal, two Spectre.Console progress bars (the whole run in epochs, and the current
/// epoch in samples) driven by the trainer's per-batch reports; with redirected output, plain lines (every quarter
/// epoch and each epoch's summary). Collects the per-epoch history for the plots and prints the stop reason after
/// early stopping.
/// </summary>
public sealed class TrainingDisplay
{
    private readonly List<TrainingProgress> _history = [];
    private readonly bool _interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
    private ProgressTask? _run;
    private ProgressTask? _epoch;
    private int _lastQuarter;

    /// <summary>The epochs reported so far.</summary>
    public IReadOnlyList<TrainingProgress> History => _history;

    /// <summary>For <see cref="NetworkTrainingOptions.BatchProgress"/>.</summary>
    public void OnBatch(BatchProgress batch)
    {
        string left = batch.EstimatedTimeLeft is TimeSpan t ? $", about {t:m\\:ss} left" : "";
        if (_run is null || _epoch is null)
        {
            int quarter = (int)((batch.EpochFraction ?? 0) * 4);
            if (quarter > _lastQuarter && quarter < 4)
                Console.WriteLine($"  epoch {batch.Epoch}/{batch.Epochs}: {batch.SamplesSeen:N0}/{batch.EpochSamples:N0} samples, running loss {batch.RunningLoss:F4}, {batch.SamplesPerSecond:N0} samples/s{left}");
            _lastQuarter = quarter;
            return;
        }
        _run.MaxValue = batch.Epochs;
        _run.Value = batch.Epoch - 1 + (batch.EpochFraction ?? 0);
        _run.Description = Markup.Escape($"training{left}");
        _epoch.MaxValue = batch.EpochSamples ?? Math.Max(_epoch.MaxValue, batch.SamplesSeen);
        _epoch.Value = batch.SamplesSeen;
        _epoch.Description = Markup.Escape($"epoch {batch.Epoch}/{batch.Epochs}: loss {batch.RunningLoss:F4}, {batch.SamplesPerSecond:N0} samples/s");
    }

    /// <summary>For the trainer's per-epoch progress callback.</summary>
    public void OnEpoch(TrainingProgress epoch)
    {
        _history.Add(epoch);
        _lastQuarter = 0;
        if (_run is null || _epoch is null)
        {
            Console.WriteLine(epoch);
            return;
        }
        string validation = epoch.ValidationLoss is double v ? $", validation {v:F4}, {epoch.MetricName} {epoch.ValidationMetric:F4}" : "";
        _run.Value = epoch.Epoch;
        _epoch.Value = _epoch.MaxValue;
        _epoch.Description = Markup.Escape($"epoch {epoch.Epoch}/{epoch.Epochs}: loss {epoch.TrainLoss:F4}{validation}");
    }

    /// <summary>Runs <paramref name="fit"/> under the display and returns its result.</summary>
    public T Run<T>(Func<T> fit)
    {
        T result;
        if (_interactive)
        {
            result = AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    _run = context.AddTask("training", maxValue: 1);
                    _epoch = context.AddTask("epoch 1", maxValue: 1);
                    try
                    {
                        return fit();
                    }
                    finally
                    {
                        _run.Value = _run.MaxValue;
                        _run.Description = "training";
                        _run = null;
                        _epoch = null;
                    }
                });
            if (_history.Count > 0)
                Console.WriteLine(_history[^1]);
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
