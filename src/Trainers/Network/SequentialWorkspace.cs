using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network;

/// <summary>
/// Per-caller memory for running a <see cref="SequentialNetwork"/>: one activation buffer per layer boundary, two
/// ping-pong gradient buffers, per-layer caches, used steps per boundary and one shared scratch area, sized once for a
/// batch capacity and reused (fresh pages cost more than the arithmetic on this class of machine).
/// </summary>
internal sealed class SequentialWorkspace
{
    private readonly SequentialNetwork _network;
    private float[][] _activations = [];
    private float[][] _gradients = [];
    private float[][] _caches = [];
    private int[][] _indexCaches = [];
    private int[][] _steps = [];
    private float[] _trailing = [];
    private float[] _scratch = [];
    private KernelRandom _random;
    private readonly bool[] _poolBackwardInLayerBefore;

    public SequentialWorkspace(SequentialNetwork network, int capacity, ulong seed)
    {
        _network = network;
        _poolBackwardInLayerBefore = new bool[network.Layers.Count];
        _random = new KernelRandom(seed);
        Allocate(Math.Max(1, capacity));
    }

    /// <summary>Largest batch this workspace holds without growing.</summary>
    public int Capacity { get; private set; }

    /// <summary>Where callers write the input batch (N, InputShape.Size).</summary>
    public Span<float> Input => _activations[0];

    /// <summary>Where callers write each input sample's used steps (all steps for fixed-length input).</summary>
    public Span<int> Steps => _steps[0];

    /// <summary>Where callers write each sample's trailing features (N, E).</summary>
    public Span<float> Trailing => _trailing;

    /// <summary>The generator dropout draws from.</summary>
    public ref KernelRandom Random => ref _random;

    /// <summary>Activations at a layer boundary (0 is the input, i + 1 the output of layer i).</summary>
    internal Span<float> Activation(int boundary) => _activations[boundary];

    internal Span<int> StepsAt(int boundary) => _steps[boundary];

    internal Span<float> Gradient(int parity) => _gradients[parity];

    internal Span<float> Cache(int layer) => _caches[layer];

    internal Span<int> IndexCache(int layer) => _indexCaches[layer];

    internal Span<float> Scratch => _scratch;

    /// <summary>
    /// Per layer: whether the last training forward left this pool's backward to the layer before it (a fused pool whose
    /// layer kept what its own backward needs), so the pool's backward pass is skipped.
    /// </summary>
    internal Span<bool> PoolBackwardInLayerBefore => _poolBackwardInLayerBefore;

    /// <summary>Grows the buffers when a larger batch arrives, keeping the input already written; a no-op in steady state.</summary>
    public void EnsureCapacity(int batch)
    {
        if (batch > Capacity)
            Allocate(batch);
    }

    private void Allocate(int capacity)
    {
        var layers = _network.Layers;
        var activations = new float[layers.Count + 1][];
        activations[0] = new float[checked(capacity * _network.InputShape.Size)];
        int widest = _network.InputShape.Size;
        int scratch = 0;
        var caches = new float[layers.Count][];
        var indexCaches = new int[layers.Count][];
        var steps = new int[layers.Count + 1][];
        steps[0] = new int[capacity];
        if (_steps.Length > 0)
            _steps[0].CopyTo(steps[0], 0);
        for (int i = 0; i < layers.Count; i++)
        {
            activations[i + 1] = _network.WritesInPlace(i) ? activations[i] : new float[checked(capacity * layers[i].OutputShape.Size)];
            widest = Math.Max(widest, layers[i].OutputShape.Size);
            caches[i] = new float[layers[i].CacheSize(capacity)];
            indexCaches[i] = new int[layers[i].IndexCacheSize(capacity)];
            steps[i + 1] = new int[capacity];
            scratch = Math.Max(scratch, layers[i].WorkspaceSize(capacity));
        }
        var trailing = new float[checked(capacity * _network.TrailingFeatures)];
        _trailing.CopyTo(trailing, 0);
        if (_activations.Length > 0)
            _activations[0].CopyTo(activations[0], 0);
        _activations = activations;
        _caches = caches;
        _indexCaches = indexCaches;
        _steps = steps;
        _trailing = trailing;
        _gradients = [new float[checked(capacity * widest)], new float[checked(capacity * widest)]];
        _scratch = new float[scratch];
        Capacity = capacity;
    }
}
