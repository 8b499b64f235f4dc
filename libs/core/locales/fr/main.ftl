# Page chrome
page-title = { $title }
app-tagline = un système de tickets simple
nav-home = Accueil
nav-my-tickets = Mes tickets
nav-my-created = Créés
nav-my-assigned = Attribués
nav-my-subscribed = Suivis
nav-tickets = Tickets
nav-create-ticket = Créer un ticket
nav-departments = Services
nav-users = Utilisateurs
nav-admin = Administration
nav-account = Mon compte
nav-logout = Se déconnecter
nav-login = Se connecter
nav-main = Navigation principale
nav-skip = Aller au contenu
language-label = Langue
language-switch = Changer
footer-text = Flicket { $version }

# Sign-in
login-title = Connexion
login-username = Nom d’utilisateur ou e-mail
login-password = Mot de passe
login-submit = Se connecter
login-failed = Nom d’utilisateur, e-mail ou mot de passe incorrect.
login-rate-limited = Trop de tentatives de connexion. Veuillez patienter quelques minutes avant de réessayer.
login-success = Vous êtes connecté.
logout-success = Vous êtes déconnecté.
login-required = Veuillez vous connecter pour voir cette page.

# Dashboard
dashboard-title = Tableau de bord
dashboard-welcome = Bienvenue, { $name }.
dashboard-empty = Rien à afficher pour l’instant : aucun ticket n’a été ouvert.

# Errors
error-403-title = Accès refusé
error-403-text = Vous n’êtes pas autorisé à faire cela.
error-404-title = Page introuvable
error-404-text = La page demandée n’existe pas.
error-500-title = Une erreur est survenue
error-500-text = Une erreur inattendue s’est produite. Elle a été enregistrée ; veuillez réessayer et, si le problème persiste, signalez l’heure et ce que vous faisiez.
error-503-title = Service indisponible
error-503-text = La base de données est injoignable pour le moment. Veuillez réessayer dans un instant.
error-csrf = Votre formulaire a expiré. Veuillez recharger la page et réessayer.
error-400-title = Requête invalide
error-413-title = Trop volumineux
error-429-title = Trop de tentatives
error-back-home = Retour au tableau de bord
error-control-characters = Les caractères de contrôle ne sont pas autorisés.
error-username-length = Le nom d’utilisateur doit comporter de 3 à 32 caractères.
error-username-characters = Le nom d’utilisateur ne peut contenir que des lettres, des chiffres, des points, des tirets et des tirets bas.
error-email-invalid = Veuillez saisir une adresse e-mail valide.
error-name-length = Le nom doit comporter de 1 à 60 caractères.
error-title-length = Le titre doit comporter de 3 à 128 caractères.
error-password-length = Le mot de passe doit comporter de 10 à 128 caractères.
error-password-contains-identity = Le mot de passe ne doit contenir ni votre nom d’utilisateur ni votre adresse e-mail.
error-base-url = L’URL de base doit commencer par http:// ou https://.

api-error-body-too-large = Le corps de la requête est trop volumineux : la limite est de { $value }.
api-error-unreadable-body = Le corps de la requête n’a pas pu être lu.
api-error-status-change = Ce statut se choisit avec une réponse, ou avec prendre, libérer, fermer ou rouvrir.
api-error-no-files = Aucun fichier n’a été envoyé : envoyez du multipart/form-data avec une ou plusieurs parties « files ».
api-error-unknown-reply = Ce ticket n’a pas de réponse de ce numéro.
api-error-unknown-group = Ce groupe n’existe pas.

# flicket-web setup (affiché dans le terminal)
setup-error-invalid = La configuration refuse { $field } : { $reason }
setup-error-taken = Un utilisateur nommé { $name } ou ayant cette adresse e-mail existe déjà et n’est pas administrateur.
setup-field-admin-username = le nom d’utilisateur de l’administrateur
setup-field-admin-email = l’adresse e-mail de l’administrateur
setup-field-admin-password = le mot de passe de l’administrateur
setup-field-admin-name = le nom de l’administrateur
setup-field-base-url = l’URL de base
