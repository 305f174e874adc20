namespace MLNet.Extensions.Experiments;

/// <summary>No trial succeeded; <see cref="Trials"/> holds each one and the message says why each failed.</summary>
public sealed class ExperimentFailedException : InvalidOperationException
{
    /// <summary>Creates the exception from the failed trials.</summary>
    public ExperimentFailedException(string reason, IReadOnlyList<TrialResult> trials)
        : base(reason + (trials.Count == 0 ? " No trial ran." : Environment.NewLine + string.Join(Environment.NewLine, trials.Select(t => "  " + t))),
            trials.Select(t => t.Exception).FirstOrDefault(e => e is not null))
    {
        Trials = trials;
    }

    /// <summary>Every trial that ran.</summary>
    public IReadOnlyList<TrialResult> Trials { get; }
}
