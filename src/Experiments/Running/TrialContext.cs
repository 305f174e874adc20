using Microsoft.ML;

namespace MLNet.Extensions.Experiments;

/// <summary>What a candidate's factory gets to build the estimator of one trial.</summary>
/// <param name="MLContext">A context of the trial's own (seeded with <paramref name="Seed"/>); build estimators from its catalogs.</param>
/// <param name="Parameters">The trial's configuration of the candidate's search space.</param>
/// <param name="Seed">The trial's seed (derived from the experiment seed and the trial id); pass it to the trainer's options.</param>
/// <param name="ThreadBudget">Threads this trial may use (every core unless trials run in parallel).</param>
/// <param name="MaxEpochs">Epochs the tuner may train this trial to, or null; network candidates set their schedule's horizon from it.</param>
public sealed record TrialContext(MLContext MLContext, Parameters Parameters, int Seed, int ThreadBudget, int? MaxEpochs);
