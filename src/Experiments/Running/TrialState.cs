using Microsoft.ML;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Experiments;

/// <summary>Everything the runner keeps about one trial between its rungs: per fold, the fitted featurizer, the open session and the last model.</summary>
internal sealed class TrialState
{
    public TrialState(int id, ExperimentCandidate candidate, Parameters parameters, int folds)
    {
        Id = id;
        Candidate = candidate;
        Parameters = parameters;
        Featurizers = new ITransformer?[folds];
        Sessions = new INetworkTrainingSession?[folds];
        Models = new ITransformer?[folds];
    }

    public int Id { get; }
    public ExperimentCandidate Candidate { get; }
    public Parameters Parameters { get; }
    public IEstimator<ITransformer>? Trainer { get; set; }
    public TrialContext? Context { get; set; }
    public ITransformer?[] Featurizers { get; }
    public INetworkTrainingSession?[] Sessions { get; }
    public ITransformer?[] Models { get; }
    public TrialResult? Result { get; set; }

    /// <summary>Drops the sessions (their weights and optimizer state) once the trial will not continue.</summary>
    public void Release() => Array.Clear(Sessions);
}
