namespace MLNet.Extensions.Experiments;

/// <summary>A trial to run.</summary>
/// <param name="TrialId">The trial; an id proposed before means "continue that trial" (its parameters are the same).</param>
/// <param name="Parameters">The configuration.</param>
/// <param name="Epochs">Epochs the trial should have reached in total, or null for the candidate's own setting.</param>
public sealed record TrialProposal(int TrialId, Parameters Parameters, int? Epochs = null);
