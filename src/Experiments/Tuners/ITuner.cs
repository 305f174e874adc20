namespace MLNet.Extensions.Experiments;

/// <summary>
/// Proposes trials and learns from their results. The experiment calls <see cref="Initialize"/> once, then alternates
/// <see cref="Propose"/> and <see cref="Report"/>; a tuner may also propose to continue an earlier trial with more epochs.
/// All calls come from one thread.
/// </summary>
public interface ITuner
{
    /// <summary>Starts a search over <paramref name="space"/>; the same seed must give the same proposals for the same reports.</summary>
    void Initialize(SearchSpace space, int seed);

    /// <summary>The next trial, or null when none can start now (the search ends when no trial is running either).</summary>
    TrialProposal? Propose();

    /// <summary>The result of a proposed trial; <see cref="TrialOutcome.Score"/> is null when it failed.</summary>
    void Report(TrialOutcome outcome);
}
