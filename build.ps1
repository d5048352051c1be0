#!/usr/bin/env pwsh
# build.ps1: build, publish and test CloudHsmPkcs11 from PowerShell 7.
#
# This is a line-for-line mirror of build.sh: the same steps, with the same flags, in the same
# order, each function named and laid out like its build.sh twin, so that reading the two side by
# side checks both. Change one, change the other. CI runs build.sh only; to try this file on
# Linux, the PowerShell .NET tool installs from NuGet:
#   dotnet tool install --tool-path /tmp/pwsh PowerShell --version 7.6.9 && /tmp/pwsh/pwsh ./build.ps1
#
#   ./build.ps1          restore + build the solution, publish the library, cloudhsm-cli and
#                        cloudhsm-speed into artifacts/<rid>/, check the library's exports (and
#                        NODELETE), run the quickstart
#   ./build.ps1 test     all of the above, then every test project and tests/scripts/*.sh; the last
#                        line is "N passed, N failed, N skipped" over everything
#   ./build.ps1 stress [SECONDS]   build, then the stress test for SECONDS (default 60)
#   ./build.ps1 fuzz [SECONDS]     build, then both fuzzers for SECONDS in all (default 600)
#   ./build.ps1 bench [SECONDS]    build, then ours against SoftHSM2 and the openssl speed ceiling,
#                                  SECONDS per operation (default 3)
#
# On Windows the RID is win-x64, exports are read with dumpbin /exports (a Visual Studio developer
# shell), and the two Linux-only steps (the NODELETE flag, the bash quickstart) are skipped.
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'stress', 'fuzz', 'bench', 'help')]
    [string]$Mode = 'build',
    [Parameter(Position = 1)]
    [ValidateRange(1, [int]::MaxValue)]
    [int]$Seconds = 0
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# A native command that exits non-zero stops the script, as set -e does in build.sh.
$PSNativeCommandUseErrorActionPreference = $true

function usage {
    @'
Usage: ./build.ps1 [build|test|stress [SECONDS]|fuzz [SECONDS]|bench [SECONDS]|help]

  build (default)  dotnet restore + build -c Release of CloudHsmPkcs11.sln;
                   publish native-exports/CloudHsm.Pkcs11.Native (NativeAOT, linux-x64 or win-x64)
                   and copy the library into artifacts/<rid>/ (its separate debug symbols, if any,
                   into artifacts/<rid>/.debug/);
                   check its exports against tools/pkcs11-exports.txt (every exported symbol is
                   C_*, none of the listed functions is missing) and, on Linux, that it is linked
                   NODELETE; publish cloudhsm-cli and cloudhsm-speed (framework-dependent) beside
                   it; on Linux run samples/quickstart/run.sh.
  test             build, then run every test project (dotnet test, TRX results in
                   artifacts/test-results/) with CLOUDHSM_PKCS11_LIB set to the published library,
                   then every tests/scripts/*.sh (with bash). A project that fails to build,
                   crashes or hangs counts as a failure. Ends with one line:
                   N passed, N failed, N skipped. Exit code 0 only if nothing failed.
  stress [SECONDS] build, then tests/scripts/stress.sh for SECONDS (default 60; test runs it for 15).
  fuzz [SECONDS]   build, then tests/scripts/fuzz.sh and tests/scripts/fuzz-managed.sh, SECONDS in
                   all (default 600, split evenly; test runs 60 + 60). Same summary line as test.
  bench [SECONDS]  build, then tools/bench/bench.sh SECONDS (default 3 per operation; with bash):
                   our library against SoftHSM2 with cloudhsm-speed, rounds A,B alternating
                   (BENCH_ROUNDS, default 3), the openssl speed ceiling, issue 6's targets met or
                   missed, the scaling, start-up (BENCH_STARTUP_OBJECTS, default 10000) and RSS
                   rows, and, when ../shared/bench exists, its compare.sh as a cross-check
                   (BENCH_CROSSCHECK=0 skips it). Writes results.json, results.md and chart.svg
                   into artifacts/bench/ (BENCH_OUT); BENCH_PUBLISH=1 also copies them into
                   docs/performance/. The other settings: tools/bench/bench.sh --help.

Test scripts: see ./build.sh --help.
'@
}

$Root = $PSScriptRoot
Set-Location $Root

if ($IsWindows) { $Rid = 'win-x64'; $LibName = 'libcloudhsm_pkcs11.dll'; $CliName = 'cloudhsm-cli.exe'; $SpeedName = 'cloudhsm-speed.exe' }
else { $Rid = 'linux-x64'; $LibName = 'libcloudhsm_pkcs11.so'; $CliName = 'cloudhsm-cli'; $SpeedName = 'cloudhsm-speed' }
$Config = 'Release'
$Solution = 'CloudHsmPkcs11.sln'
$NativeProject = 'native-exports/CloudHsm.Pkcs11.Native'
$CliProject = 'src/CloudHsm.Cli'
$SpeedProject = 'src/CloudHsm.Speed'
$Artifacts = Join-Path $Root "artifacts/$Rid"
$Lib = Join-Path $Artifacts $LibName
$Cli = Join-Path $Artifacts $CliName
$Speed = Join-Path $Artifacts $SpeedName
$ExportsFile = 'tools/pkcs11-exports.txt'
$TestResults = Join-Path $Root 'artifacts/test-results'
$TestScriptsDir = 'tests/scripts'
$TestScriptTimeout = '30m'
$StressScript = 'tests/scripts/stress.sh'
$FuzzScripts = @('tests/scripts/fuzz.sh', 'tests/scripts/fuzz-managed.sh')
$BenchScript = 'tools/bench/bench.sh'
$TestHangTimeout = '15m'

# Every test project; all are required.
$TestProjects = @(
    'tests/CloudHsm.Core.Tests'
    'tests/CloudHsm.Storage.Tests'
    'tests/CloudHsm.Pkcs11.Abi.Tests'
    'tests/CloudHsm.Pkcs11.Tests'
    'tests/CloudHsm.Cli.Tests'
)

$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'; $env:DOTNET_NOLOGO = '1'; $env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
# No MSBuild worker nodes left running after the script ends.
$env:MSBUILDDISABLENODEREUSE = '1'

$script:SummaryPrinted = $false
$script:TempDirs = [System.Collections.Generic.List[string]]::new()

function step([string]$Text) { Write-Host "`n==> $Text" }
function die([string]$Text) { throw "build.ps1: error: $Text" }

# What NativeAOT and the export checks need beyond the .NET SDK (build.sh: BUILD_PACKAGES).
$BuildPackages = @('clang', 'zlib1g-dev', 'binutils')

function require_tools {
    if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) { die "'dotnet' not found: install the .NET 10 SDK first" }
    if ($IsWindows) {
        if (-not (Get-Command dumpbin -ErrorAction SilentlyContinue)) { die "'dumpbin' not found (use a Visual Studio developer shell)" }
        return
    }
    $missing = -not (Get-Command clang -ErrorAction SilentlyContinue) -or -not (Get-Command nm -ErrorAction SilentlyContinue) -or
        -not (Get-Command readelf -ErrorAction SilentlyContinue) -or -not (Test-Path /usr/include/zlib.h)
    if ($missing) {
        if ((& id -u) -eq '0' -and (Get-Command apt-get -ErrorAction SilentlyContinue)) {
            step "apt-get install $($BuildPackages -join ' ') (NativeAOT's linker, zlib, binutils)"
            $env:DEBIAN_FRONTEND = 'noninteractive'
            & apt-get update -q
            & apt-get install -y -q --no-install-recommends @BuildPackages
        } else {
            die "missing build tools: run 'sudo apt-get install $($BuildPackages -join ' ')'"
        }
    }
}

# ---------------------------------------------------------------------------------------------
# build

function restore_and_build {
    step "dotnet restore $Solution"
    dotnet restore $Solution
    step "dotnet build $Solution -c $Config"
    dotnet build $Solution -c $Config --no-restore
}

function publish_library {
    $out = Join-Path ([System.IO.Path]::GetTempPath()) ("cloudhsm-publish." + [System.IO.Path]::GetRandomFileName())
    New-Item -ItemType Directory -Path $out | Out-Null
    $script:TempDirs.Add($out)
    step "dotnet publish $NativeProject -c $Config -r $Rid (NativeAOT)"
    dotnet publish $NativeProject -c $Config -r $Rid -o $out
    if (-not (Test-Path (Join-Path $out $LibName))) {
        die "the publish produced no $LibName; it holds: $((Get-ChildItem -Name $out) -join ' ')"
    }

    if (Test-Path $Artifacts) { Remove-Item -Recurse -Force $Artifacts }
    New-Item -ItemType Directory -Path $Artifacts | Out-Null
    Copy-Item (Join-Path $out $LibName) $Artifacts
    $symbols = @("$LibName.dbg", [System.IO.Path]::ChangeExtension($LibName, '.pdb')) |
        Where-Object { Test-Path (Join-Path $out $_) }
    foreach ($file in $symbols) {
        # Separate symbols: kept out of the artifact directory itself, in .debug/.
        New-Item -ItemType Directory -Force -Path (Join-Path $Artifacts '.debug') | Out-Null
        Copy-Item (Join-Path $out $file) (Join-Path $Artifacts '.debug')
    }
    Get-Item $Lib | Format-Table -AutoSize Length, LastWriteTime, FullName | Out-Host
}

# The exported symbol names of the library.
function exported_symbols {
    if ($IsWindows) {
        # dumpbin /exports: "    ordinal hint RVA      name"
        return dumpbin /exports $Lib | ForEach-Object {
            if ($_ -match '^\s+\d+\s+[0-9A-Fa-f]+\s+[0-9A-Fa-f]+\s+(\S+)') { $Matches[1] }
        }
    }
    # Version definitions (e.g. V1.0 from the version script) show up in nm -D as absolute symbols.
    $versionNodes = @{}
    $inVersionDefinitions = $false
    foreach ($line in (readelf -V -W $Lib)) {
        if ($line -match "'\.gnu\.version_d'") { $inVersionDefinitions = $true; continue }
        if ($inVersionDefinitions -and $line -eq '') { break }
        if ($inVersionDefinitions -and $line -match 'Name: (\S+)') { $versionNodes[$Matches[1]] = $true }
    }
    foreach ($line in (nm -D --defined-only --format=posix $Lib)) {
        $name, $type = ($line -split '\s+')[0, 1]
        $name = ($name -split '@')[0]
        if ($type -eq 'A' -and $versionNodes.ContainsKey($name)) { continue }
        [pscustomobject]@{ Name = $name; Type = $type }
    }
}

function check_exports {
    step "check exports of $LibName against $ExportsFile"
    $expected = @{}
    foreach ($line in (Get-Content $ExportsFile)) {
        $name = ($line -replace '#.*', '').Trim()
        if ($name) { $expected[$name] = $true }
    }
    if ($expected.Count -eq 0) { die "$ExportsFile lists no symbols" }

    $exported = @{}
    $problems = 0
    $extra = @()
    foreach ($symbol in @(exported_symbols)) {
        $name = if ($symbol -is [string]) { $symbol } else { $symbol.Name }
        $type = if ($symbol -is [string]) { '' } else { $symbol.Type }
        $exported[$name] = $true
        if (-not $name.StartsWith('C_')) {
            [Console]::Error.WriteLine("  exported but not a PKCS#11 function: $name ($type)")
            $problems++
        }
        elseif (-not $expected.ContainsKey($name)) {
            $extra += $name
        }
    }

    foreach ($name in $expected.Keys) {
        if (-not $exported.ContainsKey($name)) {
            [Console]::Error.WriteLine("  missing export: $name")
            $problems++
        }
    }
    if ($extra.Count) {
        Write-Host "  also exported (C_*, not in the list): $($extra -join ' ')"
    }
    if ($problems -ne 0) { die "$LibName exports do not match $ExportsFile ($problems problem(s) above)" }
    Write-Host "  ok: $($expected.Count) listed functions exported, nothing but C_* symbols"
}

function check_nodelete {
    step "check $LibName is linked with -z nodelete"
    if ($IsWindows) { Write-Host '  skipped: a Linux (ELF) check'; return }
    $flags = readelf -d $Lib | Select-String -Pattern 'FLAGS_1.*NODELETE'
    if (-not $flags) {
        die "$LibName lacks the NODELETE flag: a NativeAOT library cannot be unloaded, so dlclose must be a no-op (link with -Wl,-z,nodelete)"
    }
    Write-Host $flags
}

function publish_cli {
    step "dotnet publish $CliProject -c $Config (framework-dependent) into artifacts/$Rid"
    dotnet publish $CliProject -c $Config -o $Artifacts
    if (-not (Test-Path $Cli)) { die "the publish produced no $Cli" }
}

function publish_speed {
    step "dotnet publish $SpeedProject -c $Config (framework-dependent) into artifacts/$Rid"
    dotnet publish $SpeedProject -c $Config -o $Artifacts
    if (-not (Test-Path $Speed)) { die "the publish produced no $Speed" }
}

function run_quickstart {
    step 'samples/quickstart/run.sh'
    if ($IsWindows) { Write-Host '  skipped: the quickstart is a bash script'; return }
    $env:CLOUDHSM_ARTIFACTS = $Artifacts
    bash -c 'exec bash "$1" </dev/null' bash samples/quickstart/run.sh
}

function build {
    require_tools
    restore_and_build
    publish_library
    check_exports
    check_nodelete
    publish_cli
    publish_speed
    run_quickstart
}

# ---------------------------------------------------------------------------------------------
# test

$script:TotalPassed = 0
$script:TotalFailed = 0
$script:TotalSkipped = 0
$script:Summary = [System.Collections.Generic.List[string]]::new()
$script:FailedTests = [System.Collections.Generic.List[string]]::new()

function record([string]$Name, [int]$Passed, [int]$Failed, [int]$Skipped, [string]$Note = '') {
    $script:TotalPassed += $Passed
    $script:TotalFailed += $Failed
    $script:TotalSkipped += $Skipped
    $script:Summary.Add(('{0,-34} {1,6} passed {2,6} failed {3,6} skipped  {4}' -f $Name, $Passed, $Failed, $Skipped, $Note))
}

# Counts passed, failed and skipped from the outcome of each UnitTestResult in a TRX file.
function count_trx([string]$Trx) {
    $counts = @{ Passed = 0; Failed = 0; Skipped = 0 }
    $results = ([xml](Get-Content -Raw $Trx)).GetElementsByTagName('UnitTestResult')
    foreach ($result in $results) {
        switch ($result.GetAttribute('outcome')) {
            { $_ -in 'Passed', 'PassedButRunAborted' } { $counts.Passed++; break }
            { $_ -in 'Failed', 'Error', 'Timeout', 'Aborted' } { $counts.Failed++; break }
            default { $counts.Skipped++ }
        }
    }
    return $counts
}

# The names of the failed tests in a TRX file.
function failed_tests_trx([string]$Trx) {
    ([xml](Get-Content -Raw $Trx)).GetElementsByTagName('UnitTestResult') |
        Where-Object { $_.GetAttribute('outcome') -in 'Failed', 'Error', 'Timeout', 'Aborted' } |
        ForEach-Object { $_.GetAttribute('testName') }
}

function run_test_project([string]$Project) {
    $name = Split-Path -Leaf $Project
    $passed = 0; $failed = 0; $skipped = 0; $note = ''
    step "dotnet test $Project"
    if (-not (Test-Path -PathType Container $Project)) {
        [Console]::Error.WriteLine("build.ps1: test project $Project does not exist")
        record $name 0 1 0 'missing project'
        return
    }
    $trx = Join-Path $TestResults "$name.trx"
    $PSNativeCommandUseErrorActionPreference = $false
    dotnet test $Project -c $Config `
        --logger "trx;LogFileName=$name.trx" --results-directory $TestResults `
        --blame-hang-timeout $TestHangTimeout --blame-hang-dump-type none
    $rc = $LASTEXITCODE
    $PSNativeCommandUseErrorActionPreference = $true
    if (Test-Path $trx) {
        $counts = count_trx $trx
        $passed = $counts.Passed; $failed = $counts.Failed; $skipped = $counts.Skipped
        foreach ($test in @(failed_tests_trx $trx)) {
            $script:FailedTests.Add("${name}: $test")
        }
    }
    if (-not (Test-Path $trx)) {
        $failed++
        $note = "no test results (exit code $rc): build failure or crash"
    }
    elseif ($rc -ne 0 -and $failed -eq 0) {
        $failed = 1
        $note = "exit code $rc with no failed test: test host crashed or run aborted"
    }
    elseif ($passed + $failed + $skipped -eq 0) {
        $note = 'warning: ran no tests'
    }
    record $name $passed $failed $skipped $note
}

function run_test_script([string]$Script) {
    $name = Split-Path -Leaf $Script
    $log = Join-Path $TestResults "$name.log"
    $passed = 0; $failed = 0; $skipped = 0; $note = ''
    step "test script $Script"
    $env:CLOUDHSM_PKCS11_LIB = $Lib; $env:CLOUDHSM_CLI = $Cli; $env:CLOUDHSM_ARTIFACTS = $Artifacts
    $PSNativeCommandUseErrorActionPreference = $false
    if ($IsWindows) {
        bash -c 'exec bash "$1" </dev/null' bash $Script | Tee-Object -FilePath $log | Out-Host
    }
    else {
        timeout -k 30s $TestScriptTimeout bash -c 'exec bash "$1" </dev/null' bash $Script | Tee-Object -FilePath $log | Out-Host
    }
    $rc = $LASTEXITCODE
    $PSNativeCommandUseErrorActionPreference = $true
    $last = @(Get-Content $log | Where-Object { $_.Trim() -ne '' }) | Select-Object -Last 1
    if ($last -match '^(\d+) passed, (\d+) failed, (\d+) skipped\s*$') {
        $passed = [int]$Matches[1]; $failed = [int]$Matches[2]; $skipped = [int]$Matches[3]
        if ($rc -ne 0 -and $failed -eq 0) {
            $failed = 1
            $note = "exit code $rc with no failure counted"
        }
    }
    else {
        $failed++
        $note = "exit code $rc; last line is not 'N passed, N failed, N skipped'"
        if ($rc -eq 124) { $note = "timed out after $TestScriptTimeout" }
    }
    record $name $passed $failed $skipped $note
}

function run_tests {
    if (Test-Path $TestResults) { Remove-Item -Recurse -Force $TestResults }
    New-Item -ItemType Directory -Path $TestResults | Out-Null
    $env:CLOUDHSM_PKCS11_LIB = $Lib

    foreach ($project in $TestProjects) {
        run_test_project $project
    }
    foreach ($script in @(Get-ChildItem -Path $TestScriptsDir -Filter '*.sh' -File -ErrorAction SilentlyContinue | Sort-Object Name)) {
        run_test_script (Join-Path $TestScriptsDir $script.Name)
    }
    print_summary
}

# The long forms of the robustness tests: the same scripts ./build.ps1 test runs, for longer.
# run_long_form SECONDS SCRIPT... (the time is already in the scripts' environment)
function run_long_form([int]$Seconds, [string[]]$Scripts) {
    if (Test-Path $TestResults) { Remove-Item -Recurse -Force $TestResults }
    New-Item -ItemType Directory -Path $TestResults | Out-Null
    $env:CLOUDHSM_PKCS11_LIB = $Lib
    $script:TestScriptTimeout = "$($Seconds + 600)s"
    foreach ($script in $Scripts) {
        run_test_script $script
    }
    print_summary
}

# The benchmark (issue 6): a measurement, not a test; its exit code is non-zero only if it could not run
# or an operation of ours failed its correctness check.
function run_bench([int]$Seconds) {
    $arguments = @("$Seconds")
    step "$BenchScript $Seconds"
    if ($env:BENCH_PUBLISH -eq '1') { $arguments += '--publish' }
    $env:CLOUDHSM_ARTIFACTS = $Artifacts
    bash -c 'exec bash "$@" </dev/null' bash $BenchScript @arguments
}

function print_summary {
    step 'summary'
    if ($script:FailedTests.Count) {
        Write-Host 'failed tests:'
        $script:FailedTests | ForEach-Object { Write-Host "  $_" }
    }
    $script:Summary | ForEach-Object { Write-Host $_ }
    $script:SummaryPrinted = $true
    Write-Host "$($script:TotalPassed) passed, $($script:TotalFailed) failed, $($script:TotalSkipped) skipped"
}

# ---------------------------------------------------------------------------------------------

# (Functions are called as statements, never captured: in PowerShell a function's "return value"
# would swallow everything the commands inside it print.)
function main {
    if ($Mode -eq 'help') { usage; exit 0 }
    build
    switch ($Mode) {
        'test' { run_tests }
        'stress' {
            $env:STRESS_SECONDS = if ($Seconds) { $Seconds } elseif ($env:STRESS_SECONDS) { $env:STRESS_SECONDS } else { 60 }
            run_long_form ([int]$env:STRESS_SECONDS) @($StressScript)
        }
        'fuzz' {
            $total = if ($Seconds) { $Seconds } else { 600 }
            $env:FUZZ_SECONDS = [math]::Floor($total / 2); $env:FUZZ_MANAGED_SECONDS = $total - [math]::Floor($total / 2)
            run_long_form $total $FuzzScripts
        }
        'bench' { run_bench $(if ($Seconds) { $Seconds } else { 3 }) }
    }
    if ($Mode -ne 'build' -and $Mode -ne 'bench' -and $script:TotalFailed -ne 0) { exit 1 }
}

# Dot-sourcing the script (to try one step) defines the functions without running anything.
if ($MyInvocation.InvocationName -eq '.') { return }

try {
    main
}
catch {
    [Console]::Error.WriteLine($_)
    if ($Mode -ne 'build' -and $Mode -ne 'bench' -and $Mode -ne 'help' -and -not $script:SummaryPrinted) {
        [Console]::Error.WriteLine('build.ps1: the build failed before the tests could run')
        Write-Host '0 passed, 1 failed, 0 skipped'
    }
    exit 1
}
finally {
    foreach ($dir in $script:TempDirs) { Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $dir }
}
