namespace MLNet.Extensions.Experiments;

/// <summary>One trial as the leaderboard and the monitor show it.</summary>
public sealed record TrialResult
{
    /// <summary>The trial id (a continued trial keeps its id).</summary>
    public required int TrialId { get; init; }

    /// <summary>The candidate's name.</summary>
    public required string Candidate { get; init; }

    /// <summary>The candidate's configuration.</summary>
    public required Parameters Parameters { get; init; }

    /// <summary>The metric on the validation data (mean over folds), or null when the trial has no score.</summary>
    public double? Metric { get; init; }

    /// <summary>Standard deviation of the metric over the folds (0 for one split).</summary>
    public double MetricStandardDeviation { get; init; }

    /// <summary>How the trial's last run ended; a cancelled or timed-out continuation keeps the metric of its last completed rung.</summary>
    public TrialStatus Status { get; init; }

    /// <summary>The exception of a failed, timed-out or cancelled run.</summary>
    public Exception? Exception { get; init; }

    /// <summary>Epochs the scored model was trained for (null for trainers without epochs).</summary>
    public int? Epochs { get; init; }

    /// <summary>Epochs this trial actually ran, over all rungs and folds (a continuation adds only the new ones).</summary>
    public int EpochsSpent { get; init; }

    /// <summary>Wall time over all runs of the trial.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Largest managed heap seen while the trial ran (sampled), in bytes.</summary>
    public long PeakMemoryBytes { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"trial {TrialId} {Candidate} [{Parameters}] {Status} metric {(Metric is { } m ? m.ToString("F4") : "-")} epochs {Epochs?.ToString() ?? "-"} ({Duration.TotalSeconds:F1} s)"
        + (Exception is null ? "" : $": {Exception.GetType().Name}: {Exception.Message}");
}
