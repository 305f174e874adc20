using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Network;

/// <summary>
/// The one network every trainer builds: an input layout, a stack of layers (the output layer last) and its flat parameter
/// buffer. Immutable apart from the buffer's values; scoring and training bring their own <see cref="SequentialWorkspace"/>.
/// </summary>
internal sealed class NeuralNetwork
{
    public NeuralNetwork(InputLayout layout, LayerStack layers)
    {
        if (layout.VariableLength && !layout.Shape.IsSequence)
            throw new ArgumentException($"Variable-length input needs a sequence shape; the input is {layout.Shape}.", nameof(layout));
        if (layers.Count == 0)
            throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        Layout = layout;
        Layers = layers;
        Sequential = new SequentialNetwork(layout.Shape, layers, layout.TrailingFeatures);
        Buffer = new ParameterBuffer(Sequential.ParameterCount, Sequential.StateCount);
    }

    /// <summary>How feature vectors feed the first layer.</summary>
    public InputLayout Layout { get; }

    /// <summary>The layer specs, the output layer last.</summary>
    public LayerStack Layers { get; }

    /// <summary>The built layers.</summary>
    public SequentialNetwork Sequential { get; }

    /// <summary>Parameters, gradients and running statistics.</summary>
    public ParameterBuffer Buffer { get; }

    /// <summary>Raw outputs per sample (logits or values).</summary>
    public int OutputSize => Sequential.OutputShape.Size;

    /// <summary>Width of the input to the output layer: the featurizer's output.</summary>
    public int PenultimateSize => Sequential.Layers[^1].InputShape.Size;

    /// <summary>Draws initial weights, layer by layer from one generator.</summary>
    public void Initialize(ulong seed)
    {
        var random = new KernelRandom(seed);
        Sequential.Initialize(Buffer, ref random);
    }

    /// <summary>A workspace for batches up to <paramref name="capacity"/>; <paramref name="seed"/> drives dropout.</summary>
    public SequentialWorkspace CreateWorkspace(int capacity, ulong seed = 0) => new(Sequential, capacity, seed);

    /// <summary>
    /// Writes <paramref name="batch"/> feature vectors (each <see cref="InputLayout.Size"/> floats apart in <paramref name="rows"/>,
    /// of which the first <paramref name="lengths"/>[n] are used) into the workspace: the zero-padded sample, its used steps
    /// and its trailing features.
    /// </summary>
    public void Load(SequentialWorkspace workspace, ReadOnlySpan<float> rows, ReadOnlySpan<int> lengths, int batch)
    {
        workspace.EnsureCapacity(batch);
        InputLayout layout = Layout;
        int sample = layout.Shape.Size, rowSize = layout.Size, e = layout.TrailingFeatures;
        Span<float> input = workspace.Input[..(batch * sample)];
        Span<int> steps = workspace.Steps[..batch];
        if (e == 0 && !layout.VariableLength)
        {
            rows[..(batch * sample)].CopyTo(input);
            steps.Fill(layout.Shape.Steps);
            return;
        }
        Span<float> trailing = workspace.Trailing[..(batch * e)];
        for (int n = 0; n < batch; n++)
        {
            int length = layout.VariableLength ? lengths[n] : rowSize;
            ReadOnlySpan<float> row = rows.Slice(n * rowSize, length);
            int used = length - e;
            row[..used].CopyTo(input.Slice(n * sample, used));
            input.Slice(n * sample + used, sample - used).Clear();
            row[used..].CopyTo(trailing.Slice(n * e, e));
            steps[n] = layout.StepsOf(length);
        }
    }

    /// <summary>Runs the loaded batch: raw outputs (N, OutputSize). Training mode drops out and moves running statistics.</summary>
    public ReadOnlySpan<float> Forward(SequentialWorkspace workspace, int batch, bool training) =>
        Sequential.Forward(workspace, batch, Buffer.Values, Buffer.State, training);

    /// <summary>The input of the output layer for the last forward (N, PenultimateSize).</summary>
    public ReadOnlySpan<float> Penultimate(SequentialWorkspace workspace, int batch) =>
        workspace.Activation(Sequential.Layers.Count - 1)[..(batch * PenultimateSize)];

    /// <summary>One line per layer with its output shape, input first.</summary>
    public IReadOnlyList<string> Summary()
    {
        string input = $"input {Layout.Shape}" + (Layout.VariableLength ? " (variable length)" : "")
            + (Layout.TrailingFeatures > 0 ? $" + {Layout.TrailingFeatures} trailing" : "");
        return [input, .. Sequential.Layers.Select(l => $"{l.Description} -> {l.OutputShape}")];
    }
}
