namespace MLNet.Extensions.Experiments;

/// <summary>Progress of an experiment, trial by trial (AutoML's IMonitor in spirit). Called on the experiment's thread.</summary>
public interface IExperimentMonitor
{
    /// <summary>A trial (or its continuation) starts.</summary>
    void ReportRunningTrial(TrialProposal proposal, string candidate);

    /// <summary>A trial finished and was scored.</summary>
    void ReportCompletedTrial(TrialResult result);

    /// <summary>A trial failed, timed out or was cancelled.</summary>
    void ReportFailedTrial(TrialResult result);

    /// <summary>A new best trial.</summary>
    void ReportBestTrial(TrialResult result);
}
