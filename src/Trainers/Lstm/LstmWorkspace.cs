using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Recurrent;

namespace MLNet.Extensions.Trainers.Lstm;

/// <summary>
/// Per-caller memory of an <see cref="LstmNetwork"/> for batches up to a capacity, time-major (T, N, ·) throughout,
/// allocated once and reused for every batch.
/// </summary>
internal sealed class LstmWorkspace
{
    public LstmWorkspace(LstmArchitecture a, int capacity, ulong seed)
    {
        Capacity = capacity;
        Random = new KernelRandom(seed);
        int t = a.MaxSteps, n = capacity, h = a.HiddenSize;
        Steps = new int[n];
        Input = new float[t * n * a.FeaturesPerStep];
        int layers = a.LayerCount, dirs = a.Directions;
        Reversed = new float[layers][];
        Hidden = new float[layers, dirs][];
        Cell = new float[layers, dirs][];
        Gates = new float[layers, dirs][];
        DHidden = new float[layers, dirs][];
        DInput = new float[layers, dirs][];
        LayerOutput = new float[layers][];
        LayerInput = new float[layers][];
        DropoutMask = new float[layers][];
        DLayerInput = new float[layers][];
        int scratch = 0;
        for (int l = 0; l < layers; l++)
        {
            int f = a.LayerInput(l);
            Reversed[l] = a.Bidirectional ? new float[t * n * f] : [];
            for (int d = 0; d < dirs; d++)
            {
                Hidden[l, d] = new float[t * n * h];
                Cell[l, d] = new float[t * n * h];
                Gates[l, d] = new float[t * n * 4 * h];
                DHidden[l, d] = new float[t * n * h];
                DInput[l, d] = l > 0 ? new float[t * n * f] : [];
            }
            var shape = new LstmShape(n, t, f, h);
            scratch = Math.Max(scratch, Math.Max(LstmLayer.ForwardWorkspaceSize(shape), LstmLayer.BackwardWorkspaceSize(shape)));
            bool inner = l < layers - 1;
            LayerOutput[l] = inner ? new float[t * n * a.LayerOutput] : [];
            DropoutMask[l] = inner ? new float[t * n * a.LayerOutput] : [];
            LayerInput[l] = l > 0 ? new float[t * n * a.LayerOutput] : [];
            DLayerInput[l] = l > 0 ? new float[t * n * a.LayerOutput] : [];
        }
        Scratch = new float[scratch];
        int rows = a.HeadRows(n);
        HeadInput = new float[rows * a.HeadInput];
        DHeadInput = new float[rows * a.HeadInput];
        Dense = new float[rows * a.DenseUnits];
        DenseActivated = new float[rows * a.DenseUnits];
        DDense = new float[rows * a.DenseUnits];
        DDenseActivated = new float[rows * a.DenseUnits];
        Output = new float[rows * a.Outputs];
    }

    /// <summary>Largest batch this workspace holds.</summary>
    public int Capacity { get; }

    /// <summary>Generator for dropout.</summary>
    public KernelRandom Random;

    /// <summary>Steps of each sequence in the current batch.</summary>
    public int[] Steps { get; }

    /// <summary>Steps of the longest sequence in the current batch (the T the kernels run).</summary>
    public int BatchSteps { get; set; }

    /// <summary>Batch input, time-major (T, N, F).</summary>
    public float[] Input { get; }

    /// <summary>Per layer: its input with every sequence reversed within its length, for the backward direction.</summary>
    public float[][] Reversed { get; }

    /// <summary>Per layer and direction: hidden states (T, N, H); the backward direction's are in reversed time.</summary>
    public float[,][] Hidden { get; }

    /// <summary>Per layer and direction: cell states (T, N, H).</summary>
    public float[,][] Cell { get; }

    /// <summary>Per layer and direction: activated gates (T, N, 4H).</summary>
    public float[,][] Gates { get; }

    /// <summary>Per layer and direction: loss gradient w.r.t. the hidden states.</summary>
    public float[,][] DHidden { get; }

    /// <summary>Per layer and direction: loss gradient w.r.t. that direction's input (layers above the first).</summary>
    public float[,][] DInput { get; }

    /// <summary>Per inner layer: output with both directions aligned in time (T, N, H*dirs).</summary>
    public float[][] LayerOutput { get; }

    /// <summary>Per inner layer: dropout mask over <see cref="LayerOutput"/>.</summary>
    public float[][] DropoutMask { get; }

    /// <summary>Per layer above the first: its input (the previous layer's output after dropout).</summary>
    public float[][] LayerInput { get; }

    /// <summary>Per layer above the first: gradient w.r.t. its input.</summary>
    public float[][] DLayerInput { get; }

    /// <summary>Kernel scratch.</summary>
    public float[] Scratch { get; }

    /// <summary>(rows, HeadInput): last (or every step's) hidden states and trailing features; rows are N, or N x T step-major per sample.</summary>
    public float[] HeadInput { get; }

    /// <summary>Gradient w.r.t. <see cref="HeadInput"/>.</summary>
    public float[] DHeadInput { get; }

    /// <summary>(N, D) before ReLU.</summary>
    public float[] Dense { get; }

    /// <summary>(N, D) after ReLU.</summary>
    public float[] DenseActivated { get; }

    /// <summary>Gradient w.r.t. <see cref="Dense"/>.</summary>
    public float[] DDense { get; }

    /// <summary>Gradient w.r.t. <see cref="DenseActivated"/>.</summary>
    public float[] DDenseActivated { get; }

    /// <summary>(N, Outputs).</summary>
    public float[] Output { get; }
}
