using Microsoft.ML;

namespace MLNet.Extensions.Experiments;

/// <summary>
/// One trainer that competes in an experiment: a name, a search space, and a factory that builds its estimator for a
/// trial. Our network trainers are resumed across successive-halving rungs (their estimator implements
/// <c>IResumableNetworkTrainer</c>); any other ML.NET estimator (LightGBM, FastTree, SDCA, L-BFGS…) is fit once per trial.
/// </summary>
public sealed class ExperimentCandidate
{
    /// <summary>Validates the candidate.</summary>
    public ExperimentCandidate(string name, SearchSpace space, Func<TrialContext, IEstimator<ITransformer>> trainer,
        Func<TrialContext, IEstimator<ITransformer>>? featurizer = null)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("A candidate needs a name.", nameof(name));
        Name = name;
        Space = space ?? throw new ArgumentNullException(nameof(space));
        Trainer = trainer ?? throw new ArgumentNullException(nameof(trainer));
        Featurizer = featurizer;
    }

    /// <summary>The name the leaderboard shows.</summary>
    public string Name { get; }

    /// <summary>The candidate's parameters (may be empty: one fixed configuration).</summary>
    public SearchSpace Space { get; }

    /// <summary>Builds the trainer of a trial; it reads the features and label the featurizers produce.</summary>
    public Func<TrialContext, IEstimator<ITransformer>> Trainer { get; }

    /// <summary>Preprocessing of this candidate only (normalization for a linear model…), after the experiment's featurizer.</summary>
    public Func<TrialContext, IEstimator<ITransformer>>? Featurizer { get; }
}
