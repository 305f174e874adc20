using System.Diagnostics;
using System.Globalization;

namespace MLNet.Extensions.Trainers.Tests.Distributed;

/// <summary>
/// Two "machines" on one host: two network namespaces joined by a veth pair, with addresses made only inside them. mpirun runs
/// in the first and starts the second rank's daemon in the other through a launch agent (in place of ssh), so the ranks reach
/// each other only over TCP across the veth pair, as across hosts.
/// </summary>
[Collection(MpiCollection.Name)]
public class NetworkNamespaceTests
{
    private readonly WorkerRun _alone;

    public NetworkNamespaceTests(OneRankReference reference)
    {
        _alone = reference.Run;
    }

    [SkippableFact]
    public void TwoRanksInTwoNetworkNamespacesMatchOneRank()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Network namespaces are a Linux feature.");
        using var pair = NamespacePair.TryCreate(out string? reason);
        Skip.If(pair is null, $"Network namespaces cannot be created here ({reason}); the test needs root and iproute2.");

        string agent = Path.Combine(Path.GetTempPath(), $"mlnet-mpi-agent-{pair!.Tag}.sh");
        // mpirun calls the agent as "agent <host> <command>"; the only remote host is the second namespace.
        File.WriteAllText(agent, $"#!/bin/sh\nshift\nexec ip netns exec {pair.Second} sh -c \"$*\"\n");
        if (OperatingSystem.IsLinux())
            File.SetUnixFileMode(agent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            // Each "host" has one slot, so Open MPI would bind both ranks to core 0 of the one real machine: unbound, they get both cores.
            WorkerRun two = MpiWorkerProcess.Run("ip", ["netns", "exec", pair.First, MpiWorkerProcess.Mpirun(),
                "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "plm_rsh_agent", agent,
                "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", pair.Subnet, "--mca", "oob_tcp_if_include", pair.Subnet,
                "--host", $"{pair.FirstAddress}:1,{pair.SecondAddress}:1", "-np", "2",
                "dotnet", MpiWorkerProcess.WorkerPath(), "cnn"]);
            MpiTrainingTests.AssertSameTraining(_alone, two, "cnn");
            string here = new FileInfo("/proc/self/ns/net").LinkTarget!;
            Assert.NotEqual(two.Namespaces[0], two.Namespaces[1]);
            Assert.DoesNotContain(here, two.Namespaces.Values);
        }
        finally
        {
            File.Delete(agent);
        }
    }

    /// <summary>Two namespaces and a veth pair between them with a /30 of their own; removed on dispose.</summary>
    private sealed class NamespacePair : IDisposable
    {
        private NamespacePair(string tag)
        {
            Tag = tag;
            int third = Environment.ProcessId % 250 + 1;
            Subnet = $"10.213.{third}.0/30";
            FirstAddress = $"10.213.{third}.1";
            SecondAddress = $"10.213.{third}.2";
        }

        public string Tag { get; }
        public string First => $"mlmpi{Tag}a";
        public string Second => $"mlmpi{Tag}b";
        public string Subnet { get; }
        public string FirstAddress { get; }
        public string SecondAddress { get; }

        public static NamespacePair? TryCreate(out string? reason)
        {
            var pair = new NamespacePair((Environment.ProcessId % 100000).ToString(CultureInfo.InvariantCulture));
            // Interface names are at most 15 characters: "mlv" + 5 digits + "a".
            string a = $"mlv{pair.Tag}a", b = $"mlv{pair.Tag}b";
            string[][] steps =
            [
                ["netns", "add", pair.First],
                ["netns", "add", pair.Second],
                ["link", "add", a, "type", "veth", "peer", "name", b],
                ["link", "set", a, "netns", pair.First],
                ["link", "set", b, "netns", pair.Second],
                ["-n", pair.First, "addr", "add", $"{pair.FirstAddress}/30", "dev", a],
                ["-n", pair.Second, "addr", "add", $"{pair.SecondAddress}/30", "dev", b],
                ["-n", pair.First, "link", "set", a, "up"],
                ["-n", pair.Second, "link", "set", b, "up"],
                ["-n", pair.First, "link", "set", "lo", "up"],
                ["-n", pair.Second, "link", "set", "lo", "up"],
            ];
            foreach (string[] step in steps)
            {
                reason = Ip(step);
                if (reason is not null)
                {
                    pair.Dispose();
                    Ip(["link", "del", a]);
                    return null;
                }
            }
            reason = null;
            return pair;
        }

        public void Dispose()
        {
            // Deleting a namespace also deletes the veth end inside it, and with it the peer.
            Ip(["netns", "del", First]);
            Ip(["netns", "del", Second]);
        }

        /// <summary>Runs ip; returns null on success, else what went wrong.</summary>
        private static string? Ip(string[] arguments)
        {
            var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string argument in arguments)
                start.ArgumentList.Add(argument);
            try
            {
                using Process process = Process.Start(start)!;
                string error = process.StandardError.ReadToEnd();
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                return process.ExitCode == 0 ? null : $"ip {string.Join(' ', arguments)}: {error.Trim()}";
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return $"ip: {e.Message}";
            }
        }
    }
}
