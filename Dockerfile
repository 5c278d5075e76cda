# DeployGuard web app. Build: docker build -t deployguard/web .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig DeployGuard.sln ./
COPY DeployGuard.Data/DeployGuard.Data.csproj DeployGuard.Data/
COPY DeployGuard.Scanning/DeployGuard.Scanning.csproj DeployGuard.Scanning/
COPY DeployGuard.Web/DeployGuard.Web.csproj DeployGuard.Web/
RUN dotnet restore DeployGuard.Web/DeployGuard.Web.csproj
COPY DeployGuard.Data/ DeployGuard.Data/
COPY DeployGuard.Scanning/ DeployGuard.Scanning/
COPY DeployGuard.Web/ DeployGuard.Web/
RUN dotnet publish DeployGuard.Web/DeployGuard.Web.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# git runs scan jobs; bash runs pipeline command stages; bubblewrap and the unprivileged 'deployguard-runner' user keep
# those commands away from the app (docs/security.md, "Stage isolation").
RUN apt-get update && apt-get install -y --no-install-recommends git bash curl bubblewrap util-linux \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin deployguard-runner
WORKDIR /app
COPY --from=build /app .
# Configuration is for the app alone (stage commands run as another user).
RUN chmod 0640 /app/appsettings*.json
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    ForwardedHeaders__Enabled=true
EXPOSE 8080
# The app runs as root inside the container so that it can start each stage command as 'deployguard-runner' (docker's
# default seccomp profile forbids the user namespaces bubblewrap needs, so in a container the runner user is the
# isolation). Keys, checkpoints and data live in /var/lib/deployguard (mount a volume there).
VOLUME /var/lib/deployguard
HEALTHCHECK --interval=30s --timeout=5s CMD curl -fs http://localhost:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "DeployGuard.Web.dll"]
