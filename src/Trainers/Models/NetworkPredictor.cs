using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// The inference side of a trained <see cref="NeuralNetwork"/>, independent of the ML.NET task it serves: it maps one
/// feature vector to raw outputs (logits or values). Immutable but for a pool of idle block sessions; scoring state lives
/// in sessions, one per thread or cursor.
/// </summary>
internal sealed class NetworkPredictor
{
    private readonly Stack<BatchPredictorSession> _idleBatchSessions = new();

    public NetworkPredictor(NeuralNetwork network)
    {
        Network = network;
    }

    /// <summary>The network with its trained buffer.</summary>
    public NeuralNetwork Network { get; }

    /// <summary>Floats a feature vector must have (the maximum when <see cref="VariableLength"/>).</summary>
    public int InputSize => Network.Layout.Size;

    /// <summary>Whether shorter feature vectors (whole steps) are accepted.</summary>
    public bool VariableLength => Network.Layout.VariableLength;

    /// <summary>Raw outputs per sample.</summary>
    public int OutputSize => Network.OutputSize;

    /// <summary>Width of the representation before the output layer.</summary>
    public int FeatureSize => Network.PenultimateSize;

    /// <summary>Trained parameter count.</summary>
    public int ParameterCount => Network.Sequential.ParameterCount;

    /// <summary>One line per layer with its output shape, for people and logs.</summary>
    public IReadOnlyList<string> LayerSummary => Network.Summary();

    /// <summary>The feature column the network was trained on, which scoring errors name.</summary>
    public string FeatureColumnName { get; init; } = NetworkTrainingOptions.Defaults.FeatureColumnName;

    /// <summary>Whether a row with a non-finite feature scores as NaN instead of throwing (<see cref="NetworkTrainingOptions.ScoreNonFiniteAsNaN"/>).</summary>
    public bool NonFiniteInputsGiveNaN { get; init; }

    /// <summary>
    /// Checks one row before scoring, as training checks it: a length the layout accepts (whole steps, not empty) and
    /// finite values. Returns false when the row has a non-finite value and <see cref="NonFiniteInputsGiveNaN"/> is set
    /// (the caller writes NaN outputs); otherwise throws naming <paramref name="column"/> (default: the trained feature
    /// column) and <paramref name="row"/> (when the caller knows it, else negative).
    /// </summary>
    public bool CheckRow(ReadOnlySpan<float> features, string? column = null, long row = -1)
    {
        if (!Network.Layout.Accepts(features.Length))
            throw SizeError(features.Length, column, row);
        int slot = features.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
        if (slot < 0)
            return true;
        if (NonFiniteInputsGiveNaN)
            return false;
        throw new InvalidOperationException(
            $"Feature column '{column ?? FeatureColumnName}' has a non-finite value ({features[slot]}){(row >= 0 ? $" at row {row}" : "")}, slot {slot}; networks need finite " +
            "inputs (replace missing values first, e.g. with ReplaceMissingValues, or train with ScoreNonFiniteAsNaN = true to get NaN scores).");
    }

    /// <summary>The error for a row of <paramref name="length"/> values the layout does not accept.</summary>
    public InvalidOperationException SizeError(int length, string? column = null, long row = -1)
    {
        InputLayout layout = Network.Layout;
        return new InvalidOperationException(
            $"Feature column '{column ?? FeatureColumnName}' has {length} values{(row >= 0 ? $" at row {row}" : "")}; the network expects " +
            $"{layout.Describe()}{(layout.VariableLength ? $" (whole steps of {layout.StepSize} values, at least one)" : "")}.");
    }

    /// <summary>
    /// For regression networks trained on standardised targets: how to turn the raw outputs back into the label's units,
    /// which <see cref="IPredictorSession.Predict"/> does; null when the outputs are in the label's units already.
    /// </summary>
    public TargetScaling? TargetScaling { get; init; }

    /// <summary>A predictor with this one's settings over <paramref name="trained"/>'s network and history (a training session's snapshot).</summary>
    public NetworkPredictor WithNetworkOf(NetworkPredictor trained) => new(trained.Network)
    {
        History = trained.History,
        FeatureColumnName = FeatureColumnName,
        NonFiniteInputsGiveNaN = NonFiniteInputsGiveNaN,
        TargetScaling = TargetScaling,
    };

    /// <summary>Per-epoch history of the training run that produced this network.</summary>
    public IReadOnlyList<TrainingProgress> History { get; set; } = [];

    /// <summary>A scorer with its own buffers; not thread-safe, cheap enough to make per cursor.</summary>
    public IPredictorSession CreateSession() => new Session(Network, TargetScaling);

    /// <summary>
    /// A scorer of blocks of up to <paramref name="capacity"/> samples, for cursors that read rows ahead: an idle one
    /// when a cursor gave one back (<see cref="ReturnBatchSession"/>). Its buffers run to megabytes (12 MB for LeNet's
    /// 128-image blocks), which a cursor per pass would otherwise take from fresh pages and the large-object heap.
    /// </summary>
    public BatchPredictorSession RentBatchSession(int capacity)
    {
        lock (_idleBatchSessions)
        {
            while (_idleBatchSessions.Count > 0)
            {
                BatchPredictorSession idle = _idleBatchSessions.Pop();
                if (idle.Capacity == capacity)
                    return idle;
            }
        }
        return new BatchPredictorSession(Network, capacity, TargetScaling);
    }

    /// <summary>Keeps a session its cursor no longer uses for the next cursor (at most one per core).</summary>
    public void ReturnBatchSession(BatchPredictorSession session)
    {
        lock (_idleBatchSessions)
        {
            if (_idleBatchSessions.Count < Environment.ProcessorCount)
                _idleBatchSessions.Push(session);
        }
    }

    private sealed class Session : IPredictorSession
    {
        private readonly NeuralNetwork _network;
        private readonly SequentialWorkspace _workspace;
        private readonly TargetScaling? _scaling;
        private readonly int[] _length = new int[1];

        public Session(NeuralNetwork network, TargetScaling? scaling)
        {
            _network = network;
            _scaling = scaling;
            _workspace = network.CreateWorkspace(1);
        }

        public void Predict(ReadOnlySpan<float> features, Span<float> outputs)
        {
            ReadOnlySpan<float> raw = Run(features);
            raw.CopyTo(outputs);
            _scaling?.Restore(outputs[..raw.Length]);
        }

        public void Featurize(ReadOnlySpan<float> input, Span<float> features)
        {
            Run(input);
            _network.Penultimate(_workspace, 1)[..features.Length].CopyTo(features);
        }

        private ReadOnlySpan<float> Run(ReadOnlySpan<float> features)
        {
            if (!_network.Layout.Accepts(features.Length))
                throw new ArgumentException(
                    $"The feature vector has {features.Length} values; the network expects {_network.Layout.Describe()}.", nameof(features));
            // Load reads only the used floats, so a shorter sequence needs no padded copy.
            _length[0] = features.Length;
            _network.Load(_workspace, features, _length, 1);
            return _network.Forward(_workspace, 1, training: false);
        }
    }
}
