namespace MLNet.Extensions.Experiments;

/// <summary>How a trial ended.</summary>
public enum TrialStatus
{
    /// <summary>Trained and scored.</summary>
    Completed,

    /// <summary>Threw; see <see cref="TrialResult.Exception"/>.</summary>
    Failed,

    /// <summary>Stopped by the per-trial time limit.</summary>
    TimedOut,

    /// <summary>Stopped because the experiment's budget ran out or it was cancelled.</summary>
    Cancelled,
}
