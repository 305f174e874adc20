namespace MLNet.Extensions.Experiments;

/// <summary>What a tuner learns from a trial.</summary>
/// <param name="Proposal">The proposal that ran.</param>
/// <param name="Score">The metric oriented so that higher is better, or null when the trial failed.</param>
public sealed record TrialOutcome(TrialProposal Proposal, double? Score);
