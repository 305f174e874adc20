using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// The inference side of a trained network (CNN or LSTM), independent of the ML.NET task it serves: it maps one feature
/// vector to raw outputs (logits or values). Immutable; scoring state lives in sessions, one per thread or cursor.
/// </summary>
internal abstract class NetworkPredictor
{
    /// <summary>Floats a feature vector must have (the maximum when <see cref="VariableLength"/>).</summary>
    public abstract int InputSize { get; }

    /// <summary>Whether shorter feature vectors (whole steps) are accepted.</summary>
    public virtual bool VariableLength => false;

    /// <summary>Raw outputs per sample.</summary>
    public abstract int OutputSize { get; }

    /// <summary>Width of the representation before the output layer.</summary>
    public abstract int FeatureSize { get; }

    /// <summary>Trained parameter count.</summary>
    public abstract int ParameterCount { get; }

    /// <summary>One line per layer with its output shape, for people and logs.</summary>
    public abstract IReadOnlyList<string> LayerSummary { get; }

    /// <summary>A scorer with its own buffers; not thread-safe, cheap enough to make per cursor.</summary>
    public abstract IPredictorSession CreateSession();

    /// <summary>Kind tag written before <see cref="Save"/>'s payload.</summary>
    public abstract string Kind { get; }

    /// <summary>Writes the network (architecture and weights).</summary>
    public abstract void Save(BinaryWriter writer);

    /// <summary>Per-epoch history of the training run that produced this network.</summary>
    public IReadOnlyList<TrainingProgress> History { get; set; } = [];
}
