using Microsoft.ML;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// A network fit that continues where it stopped: the weights, the optimizer's moments and step count, the dropout and
/// augmentation generators all carry over, and epochs keep their absolute numbers (shuffle seeds, learning-rate schedule),
/// so N epochs then M more give the same weights as one fit of N + M epochs.
/// </summary>
/// <typeparam name="TTransformer">The prediction transformer of the task.</typeparam>
public sealed class NetworkTrainingSession<TTransformer> : INetworkTrainingSession
    where TTransformer : ITransformer
{
    private readonly NetworkTrainable _trainable;
    private readonly NetworkOptimizer _optimizer;
    private readonly TrainingLoop _loop;
    private readonly Func<int, IEnumerable<TrainingBatch>> _epoch;
    private readonly Func<NetworkPredictor, TTransformer> _makeTransformer;
    private readonly NeuralNetwork _network;
    private readonly List<TrainingProgress> _history = [];
    private bool _interrupted;

    internal NetworkTrainingSession(NetworkTrainable trainable, NetworkOptimizer optimizer, TrainingLoop loop,
        Func<int, IEnumerable<TrainingBatch>> epoch, Func<NetworkPredictor, TTransformer> makeTransformer, NeuralNetwork network)
    {
        _trainable = trainable;
        _optimizer = optimizer;
        _loop = loop;
        _epoch = epoch;
        _makeTransformer = makeTransformer;
        _network = network;
    }

    /// <inheritdoc />
    public int EpochsCompleted { get; private set; }

    /// <inheritdoc />
    public IReadOnlyList<TrainingProgress> History => _history;

    /// <summary>
    /// Runs <paramref name="epochs"/> more epochs and returns a model of a copy of the weights reached. A cancelled call
    /// leaves the weights part-way through an epoch, so the session refuses to continue after it.
    /// </summary>
    public TTransformer Train(int epochs, CancellationToken cancellationToken = default)
    {
        if (epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Epochs to train must be at least 1.");
        if (_interrupted)
            throw new InvalidOperationException("This training session was cancelled part-way through an epoch and cannot continue; start a new session.");
        try
        {
            _history.AddRange(_loop.Continue(_trainable, _optimizer, EpochsCompleted, EpochsCompleted + epochs, _epoch, null, cancellationToken));
        }
        catch
        {
            _interrupted = true;
            throw;
        }
        EpochsCompleted += epochs;
        return _makeTransformer(new NetworkPredictor(Snapshot()) { History = _history.ToArray() });
    }

    ITransformer INetworkTrainingSession.Train(int epochs, CancellationToken cancellationToken) => Train(epochs, cancellationToken);

    /// <summary>The current weights and running statistics in a network of their own, so further training leaves the model alone.</summary>
    private NeuralNetwork Snapshot()
    {
        var copy = new NeuralNetwork(_network.Layout, _network.Layers);
        _network.Buffer.Values.CopyTo(copy.Buffer.Values, 0);
        _network.Buffer.State.CopyTo(copy.Buffer.State, 0);
        return copy;
    }
}
