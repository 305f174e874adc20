using MLNet.Extensions.Kernels.Threading;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Tests.Training;

/// <summary>Runs alone, so the process-wide allocation counter sees only the code under test.</summary>
[CollectionDefinition(nameof(HotPathAllocationTests), DisableParallelization = true)]
public sealed class HotPathAllocationCollection;

/// <summary>
/// After warm-up, training steps (forward, loss, backward, clipping, optimizer), batches scored data-parallel and single
/// rows allocate nothing: neither on the calling thread nor on the kernel worker threads (the process-wide counter, with
/// no other test running).
/// </summary>
[Collection(nameof(HotPathAllocationTests))]
public class HotPathAllocationTests
{
    // Convolution (implicit GEMM, split with a by-value state), pooling, dense, batch-norm, dropout and recurrent layers
    // and the data-parallel step around them allocate nothing after warm-up.
    public static TheoryData<string> Networks() => ["mlp", "lstm", "cnn"];

    [Theory]
    [MemberData(nameof(Networks))]
    public void TrainingStepsAndScoredBatchesAllocateNothingAfterWarmUp(string kind)
    {
        using var threads = new KernelThreadScope(2);
        NeuralNetwork network = kind switch
        {
            "mlp" => new NeuralNetwork(new InputLayout(new TensorShape(1, 28, 28)), new LayerStack(new FlattenSpec(), new DenseSpec(64),
                new BatchNormSpec(), new ActivationSpec(ActivationKind.Relu), new DropoutSpec(0.2f), new DenseSpec(10))),
            "lstm" => new NeuralNetwork(new InputLayout(TensorShape.Sequence(28, 28)),
                new LayerStack(new LstmSpec(32, ReturnSequences: true), new DropoutSpec(0.2f), new LstmSpec(32), new DenseSpec(10))),
            // LeNet's shape: the second convolution has 16 input channels, so every pass takes the implicit-GEMM path.
            _ => new NeuralNetwork(new InputLayout(new TensorShape(1, 28, 28)), new LayerStack(
                new Conv2dSpec(16, 5, Padding: 2), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max),
                new Conv2dSpec(32, 5, Padding: 2), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max),
                new FlattenSpec(), new DenseSpec(10))),
        };
        network.Initialize(1);
        const int batchSize = 48;
        int size = network.Layout.Size;
        var trainable = new NetworkTrainable(network, batchSize, 1);
        var batch = new TrainingBatch(batchSize, size, 1) { Count = batchSize };
        var random = new Random(1);
        for (int i = 0; i < batch.Features.Length; i++)
            batch.Features[i] = (float)random.NextDouble();
        for (int i = 0; i < batchSize; i++)
            batch.ClassLabels[i] = i % 10;
        Array.Fill(batch.Lengths, size);
        var options = new CnnOptions { GradientClipNorm = 5 };
        var loss = new LossFunction(PredictionTask.MulticlassClassification, network.OutputSize);
        var optimizer = new NetworkOptimizer(options, network.Buffer.Values.Length, trainable.ParameterBlocks);
        var dOut = new float[batchSize * network.OutputSize];
        // One row at a time, as a PredictionEngine scores.
        SequentialWorkspace single = network.CreateWorkspace(1);
        int[] length = [size];

        void Steps(int count)
        {
            for (int step = 0; step < count; step++)
            {
                ReadOnlySpan<float> outputs = trainable.Forward(batch, training: true);
                loss.Compute(batch, outputs, dOut, out _);
                network.Buffer.ZeroGradients();
                trainable.Backward(batch, dOut);
                Kernels.Optimizers.GradientClipping.ClipByGlobalNorm(network.Buffer.Gradients, options.GradientClipNorm);
                optimizer.Step(network.Buffer.Values, network.Buffer.Gradients, 1e-3f);
                trainable.Forward(batch, training: false); // a validation or scored batch, split across the team
                network.Load(single, batch.Features, length, 1);
                network.Forward(single, 1, training: false);
            }
        }

        // Long enough for tiered compilation to finish: the JIT's own allocations count process-wide.
        Steps(60);
        var processBytes = new long[24];
        long thread = GC.GetAllocatedBytesForCurrentThread();
        // The test host allocates a little now and then on its own threads (about 170 bytes per 100 ms here), so the
        // process-wide count is taken over many one-step trials: code under test that allocated per step would show in every one.
        // (Two-step trials were longer than the host's interval on a slower AVX2 machine under load, so none came out clean.)
        for (int trial = 0; trial < processBytes.Length; trial++)
        {
            long process = GC.GetTotalAllocatedBytes(precise: true);
            Steps(1);
            processBytes[trial] = GC.GetTotalAllocatedBytes(precise: true) - process;
        }
        long threadBytes = GC.GetAllocatedBytesForCurrentThread() - thread;
        Assert.True(threadBytes == 0, $"{threadBytes} bytes allocated on the calling thread over {processBytes.Length} steps");
        Assert.True(processBytes.Min() == 0, $"process-wide allocations in every trial: {string.Join(", ", processBytes)} bytes");
    }
}
