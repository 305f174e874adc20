using System.Diagnostics;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Distributed;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Benchmarks.Training;

/// <summary>
/// How much of a data-parallel LeNet step the gradient allreduce takes: each rank times its compute (forward, loss, backward,
/// Adam on its 64 / N slice, one thread), the wait for the slowest rank (a barrier: on a loaded machine ranks are descheduled
/// unevenly) and the in-place allreduce of the whole gradient buffer separately; rank 0 prints medians. Run under mpirun: <c>mpirun -np 2 --mca btl tcp,self dotnet tests/MLNet.Extensions.Benchmarks/bin/Release/net10.0/MLNet.Extensions.Benchmarks.dll allreduce-share</c>.
/// </summary>
public static class AllreduceShare
{
    /// <summary>Runs 20 warm-up and 100 timed steps of a global batch (64 unless given) and prints one line on rank 0.</summary>
    public static void Run(int globalBatch = 64)
    {
        MpiCommunicator world = MpiCommunicator.World;
        KernelSettings.ThreadCount = 1;
        int local = globalBatch / world.Size;
        var network = new NeuralNetwork(new InputLayout(new TensorShape(1, 28, 28)), new LayerStack([.. Throughput.LeNet, new DenseSpec(10)]));
        network.Initialize(1);
        var trainable = new NetworkTrainable(network, local, 1);
        var random = new Random(1 + world.Rank);
        var batch = new TrainingBatch(local, 784, 1) { Count = local };
        for (int i = 0; i < batch.Features.Length; i++)
            batch.Features[i] = (float)random.NextDouble();
        for (int i = 0; i < local; i++)
            batch.ClassLabels[i] = random.Next(10);
        Array.Fill(batch.Lengths, 784);
        var loss = new LossFunction(PredictionTask.MulticlassClassification, trainable.OutputSize);
        var optimizer = new NetworkOptimizer(new CnnOptions(), trainable.Buffer.Values.Length, trainable.ParameterBlocks);
        var dOut = new float[local * trainable.OutputSize];
        var compute = new List<double>();
        var reduce = new List<double>();
        var wait = new List<double>();
        for (int step = 0; step < 120; step++)
        {
            long start = Stopwatch.GetTimestamp();
            ReadOnlySpan<float> outputs = trainable.Forward(batch, training: true);
            loss.Compute(batch, outputs, dOut, out _);
            trainable.Buffer.ZeroGradients();
            trainable.Backward(batch, dOut);
            long waitStart = Stopwatch.GetTimestamp();
            world.Barrier();
            long reduceStart = Stopwatch.GetTimestamp();
            world.AllreduceSum(trainable.Buffer.Gradients);
            long reduceEnd = Stopwatch.GetTimestamp();
            optimizer.Step(trainable.Buffer.Values, trainable.Buffer.Gradients, 1e-4f);
            double total = Stopwatch.GetElapsedTime(start).TotalMilliseconds, allreduce = Stopwatch.GetElapsedTime(reduceStart, reduceEnd).TotalMilliseconds;
            double waited = Stopwatch.GetElapsedTime(waitStart, reduceStart).TotalMilliseconds;
            if (step >= 20)
            {
                compute.Add(total - allreduce - waited);
                wait.Add(waited);
                reduce.Add(allreduce);
            }
        }
        if (world.Rank == 0)
        {
            double c = Median(compute), w = Median(wait), r = Median(reduce);
            Console.WriteLine($"{world.Size} ranks, {local} samples each, gradient {trainable.Buffer.Gradients.Length * 4 / 1e6:F2} MB: " +
                $"compute median {c:F2} ms, wait for the slowest rank {w:F2} ms, allreduce median {r:F2} ms, " +
                $"allreduce share of compute + allreduce {100 * r / (c + r):F1}% ({world.Description})");
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
