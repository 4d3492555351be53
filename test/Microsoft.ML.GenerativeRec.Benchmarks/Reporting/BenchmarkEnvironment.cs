using System.Diagnostics;
using System.Globalization;
using TorchSharp;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Reporting;

/// <summary>Where and when a benchmark ran: the fields every result file carries (design.md §7).</summary>
internal sealed record BenchmarkEnvironment(string Machine, string Commit, string Date, string RepositoryRoot)
{
    public static BenchmarkEnvironment Capture()
    {
        string root = FindRepositoryRoot();
        string cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";
        double memoryGb = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        string machine = string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores ({cpu}), {memoryGb:F0} GB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
            $".NET {Environment.Version}, TorchSharp {typeof(torch).Assembly.GetName().Version} on {torch.get_num_threads()} threads");
        // A published copy of the benchmarks (build/quality-runs.sh) names the commit it was built from: the checkout's
        // HEAD may have moved on while a queue of runs executes the old binary.
        string commit = Environment.GetEnvironmentVariable("GENREC_BENCHMARK_COMMIT") is { Length: > 0 } built ? built : GitCommit(root);
        return new BenchmarkEnvironment(machine, commit, DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture), root);
    }

    /// <summary>The folder holding ML.GenerativeRec.sln, searched upwards from the working directory and then from the binary.</summary>
    public static string FindRepositoryRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ML.GenerativeRec.sln")))
                    return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Run the benchmarks from inside the repository: ML.GenerativeRec.sln was not found above the working directory.");
    }

    /// <summary>The process's peak working set so far, in MB (what the OS counts, managed and native).</summary>
    public static long PeakWorkingSetMb()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64 / (1024 * 1024);
    }

    private static string GitCommit(string root)
    {
        try
        {
            string head = RunGit(root, "rev-parse HEAD");
            string dirty = RunGit(root, "status --porcelain --untracked-files=no -- . :!docs");
            return dirty.Length == 0 ? head : head + "+uncommitted";   // result files and docs don't count
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "unknown";
        }
    }

    private static string RunGit(string root, string arguments)
    {
        using var git = Process.Start(new ProcessStartInfo("git", arguments) { WorkingDirectory = root, RedirectStandardOutput = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("git did not start");
        string output = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return git.ExitCode == 0 ? output : throw new InvalidOperationException($"git {arguments} failed");
    }
}
